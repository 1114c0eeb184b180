/*{
  "DESCRIPTION": "A filter folding the picture in mirrored tiles: sharp seams, no blurred lines.",
  "ISFVSN": "2",
  "INPUTS": [
    {"NAME": "inputImage", "TYPE": "image"},
    {"NAME": "tiles", "TYPE": "float", "DEFAULT": 3.0, "MIN": 1.0, "MAX": 8.0}
  ]
}*/

void main() {
    vec2 at = isf_FragNormCoord * tiles;
    at = abs(1.0 - mod(at, 2.0));
    vec2 swirl = at - 0.5;
    float angle = 0.6 * length(swirl);
    at = 0.5 + mat2(cos(angle), -sin(angle), sin(angle), cos(angle)) * swirl;
    gl_FragColor = IMG_NORM_PIXEL(inputImage, fract(at));
}
