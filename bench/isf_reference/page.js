// Renders one ISF file with the ISF authors' WebGL renderer, as bench/isf_compare.py asks
// (window.JOB: the shader, the size, each frame's TIME, TIMEDELTA, FRAMEINDEX and DATE,
// the input pictures and values), and writes the last frame's pixels into the page.
const { Renderer } = require('interactive-shader-format');

function loadPicture(url) {
  return new Promise((resolve, reject) => {
    const picture = new Image();
    picture.onload = () => resolve(picture);
    picture.onerror = () => reject(new Error('picture did not load'));
    picture.src = url;
  });
}

function answer(result) {
  const out = document.createElement('pre');
  out.id = 'result';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
}

async function run(job) {
  const canvas = document.createElement('canvas');
  canvas.width = job.width;
  canvas.height = job.height;
  const gl = canvas.getContext('webgl', { preserveDrawingBuffer: true, antialias: false,
    premultipliedAlpha: false });
  if (!gl) return { error: 'no WebGL context' };
  // FLOAT passes make float textures, which WebGL 1 draws into only with these
  ['OES_texture_float', 'OES_texture_float_linear', 'WEBGL_color_buffer_float']
    .forEach((name) => gl.getExtension(name));
  const renderer = new Renderer(gl);
  renderer.loadSource(job.fragment, job.vertex || undefined);
  if (!renderer.valid) return { error: String(renderer.error && (renderer.error.message || renderer.error)) };
  const names = Object.keys(job.pictures);
  const pictures = await Promise.all(names.map((name) => loadPicture(job.pictures[name])));
  // the renderer binds a picture to a texture unit when it is set, and each draw hands
  // the units out again from 0 to its buffers: pictures are set again at the start of
  // every draw (as a host does with video), before the buffers take units after them
  const show = () => names.forEach((name, index) => {
    if (renderer.uniforms[name]) renderer.setValue(name, pictures[index]);
  });
  Object.keys(job.values).forEach((name) => {
    if (renderer.uniforms[name]) renderer.setValue(name, job.values[name]);
  });
  let frame = null;
  // the clock is the job's, not the wall's: the same TIME and DATE as the carte draws with
  renderer.setDateUniforms = function fixedClock() {
    this.setValue('TIME', frame.time);
    this.setValue('TIMEDELTA', frame.delta);
    this.setValue('FRAMEINDEX', frame.frame);
    this.setValue('DATE', frame.date);
    show();
  };
  for (frame of job.frames) {
    if (renderer.uniforms.progress && job.progress !== undefined) {
      renderer.setValue('progress', frame.progress);
    }
    renderer.draw(canvas);
  }
  const pixels = new Uint8Array(job.width * job.height * 4);
  gl.readPixels(0, 0, job.width, job.height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
  let binary = '';
  for (let i = 0; i < pixels.length; i += 1) binary += String.fromCharCode(pixels[i]);
  return { pixels: btoa(binary), renderer: gl.getParameter(gl.RENDERER) };
}

run(window.JOB).then(answer, (error) => answer({ error: String(error && error.message) }));
