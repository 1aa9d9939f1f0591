// `@trainyard/training/gpu-device`: the GPU check without TF.js, for the worker's main process,
// which never loads TF.js (training runs in a process of its own). Built by `tsc -b` into dist.
module.exports = require('./dist/backend/gpu-device');
