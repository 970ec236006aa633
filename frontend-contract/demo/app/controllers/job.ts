import Controller from '@ember/controller';

export default class JobController extends Controller {
  // ?transport=polling skips the EventSource (to try the fallback by hand).
  queryParams = ['transport'];
  transport: string | null = null;
}
