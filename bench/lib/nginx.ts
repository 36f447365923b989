// nginx moved to tools/testing/nginx.ts (the shared-rate-limit test starts it too).
export { startNginx, type Nginx } from '../../tools/testing/nginx.js';
