// Entry of the classic-script (IIFE) build: starts monitoring at once with the options of
// window.perfwatchRUM (set it before the script tag), then replaces window.perfwatchRUM
// with the instance ({flush(), sampled}).
import { init } from './index.js';

window.perfwatchRUM = init(window.perfwatchRUM || {});
