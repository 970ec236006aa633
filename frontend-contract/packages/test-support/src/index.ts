export { ROOT, type Service, startService } from "./service.js";
export { runAgainstService, type TestRun, testFiles } from "./run.js";
export { expired } from "./tokens.js";
