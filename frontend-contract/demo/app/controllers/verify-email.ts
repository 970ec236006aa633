import Controller from '@ember/controller';

export default class VerifyEmailController extends Controller {
  queryParams = ['token'];
  token: string | null = null;
}
