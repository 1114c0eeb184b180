/*{
  "DESCRIPTION": "A transition zooming through a flash whose colour goes above 1, as gl-transitions' Dreamy Zoom does.",
  "ISFVSN": "2",
  "INPUTS": [
    {"NAME": "startImage", "TYPE": "image"},
    {"NAME": "endImage", "TYPE": "image"},
    {"NAME": "progress", "TYPE": "float", "DEFAULT": 0.0, "MIN": 0.0, "MAX": 1.0},
    {"NAME": "scale", "TYPE": "float", "DEFAULT": 1.4, "MIN": 1.0, "MAX": 4.0}
  ]
}*/

void main() {
    float phase = progress < 0.5 ? progress * 2.0 : (progress - 0.5) * 2.0;
    float zoom = progress < 0.5 ? mix(1.0, scale, phase) : mix(scale, 1.0, phase);
    vec2 at = (isf_FragNormCoord - 0.5) / zoom + 0.5;
    vec4 c = progress < 0.5 ? IMG_NORM_PIXEL(startImage, at) : IMG_NORM_PIXEL(endImage, at);
    gl_FragColor = c + (progress < 0.5 ? phase : 1.0 - phase) * 0.6;
}
