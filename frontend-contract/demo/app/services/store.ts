// The WarpDrive store of the events and tickets screens: @badges/warp-drive's Store class
// (useRecommendedStore with the JSON:API cache, the badge schemas and the badge handler) over the
// app's one client, so the store's requests carry the session's token and share its refresh.
// app/app.ts imports '@warp-drive/ember/install' for Ember's reactivity.
import { createBadgesStore } from '@badges/warp-drive';
import { client } from 'badges-demo/utils/api';

export default class StoreService extends createBadgesStore(client) {}

declare module '@ember/service' {
  interface Registry {
    store: StoreService;
  }
}
