import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmberApp from 'ember-cli/lib/broccoli/ember-app.js';
import { compatBuild } from '@embroider/compat';

export default async function (defaults) {
  const { setConfig } = await import('@warp-drive/core/build-config');
  const { buildOnce } = await import('@embroider/vite');

  const app = new EmberApp(defaults, {
    // Add options here
  });

  // WarpDrive's build config (as the blueprint writes it with WarpDrive): the demo uses no
  // deprecated API, so every deprecated code path up to 5.8 is left out of the build.
  setConfig(app, dirname(fileURLToPath(import.meta.url)), {
    compatWith: '5.8',
    deprecations: {},
  });

  return compatBuild(app, buildOnce);
}
