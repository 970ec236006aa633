import EmberRouter from '@embroider/router';
import config from 'badges-demo/config/environment';

export default class Router extends EmberRouter {
  location = config.locationType;
  rootURL = config.rootURL;
}

Router.map(function () {
  this.route('register');
  this.route('login');
  // The verification mail links here: FRONTEND_URL + /verify-email?token=...
  this.route('verify-email');
  this.route('events');
  this.route('event', { path: '/events/:event_id' });
  this.route('badges', { path: '/badges/new' });
  this.route('job', { path: '/jobs/:job_id' });
});
