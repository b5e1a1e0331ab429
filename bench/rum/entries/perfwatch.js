import { init } from '../../../rum/src/index.js'; init({ apiRoutes: ['/api/items/{id}'] });
