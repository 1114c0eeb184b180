/*{
  "DESCRIPTION": "A filter reading another host's per-image uniforms, with a null DEFAULT.",
  "ISFVSN": "2",
  "INPUTS": [
    {"NAME": "inputImage", "TYPE": "image", "DEFAULT": null},
    {"NAME": "zoom", "TYPE": "float", "DEFAULT": 1.5, "MIN": 1.0, "MAX": 4.0, "LABEL": null}
  ]
}*/

void main() {
    vec2 centre = _inputImage_imgRect.xy + 0.5 * _inputImage_imgRect.zw;
    vec2 at = centre + (isf_FragNormCoord - centre) / zoom;
    if (_inputImage_flip) at.y = 1.0 - at.y;
    vec4 colour = IMG_NORM_PIXEL(inputImage, at);
    float grid = step(0.5, fract(at.x * _inputImage_imgSize.x / 32.0));
    gl_FragColor = vec4(colour.rgb * (0.8 + 0.2 * grid), colour.a);
}
