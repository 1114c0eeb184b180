module.exports = {};  // math.js asks for node's crypto; the browser bundle needs none
