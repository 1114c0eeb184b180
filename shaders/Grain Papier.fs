/*{
  "DESCRIPTION": "Lays what is below on paper: a fibrous grain, warm paper tone and a soft vignette.",
  "CREDIT": "Carte sensible",
  "ISFVSN": "2",
  "CATEGORIES": ["Stylize", "Film"],
  "INPUTS": [
    {"NAME": "inputImage", "TYPE": "image"},
    {"NAME": "grain", "TYPE": "float", "DEFAULT": 0.08, "MIN": 0.0, "MAX": 0.4, "LABEL": "Grain"},
    {"NAME": "paper", "TYPE": "color", "DEFAULT": [0.96, 0.92, 0.84, 1.0], "LABEL": "Paper"},
    {"NAME": "vignette", "TYPE": "float", "DEFAULT": 0.5, "MIN": 0.0, "MAX": 1.0, "LABEL": "Vignette"},
    {"NAME": "moving", "TYPE": "bool", "DEFAULT": true, "LABEL": "Moving grain"}
  ]
}*/

float hash(vec2 p) {
    return fract(sin(dot(p, vec2(12.9898, 78.233))) * 43758.5453);
}

void main() {
    vec4 below = IMG_THIS_PIXEL(inputImage);
    vec2 cell = floor(gl_FragCoord.xy / vec2(1.0, 3.0));
    float seed = moving ? floor(TIME * 12.0) : 0.0;
    float fibre = hash(cell + seed) - 0.5;
    vec3 tinted = below.rgb * mix(vec3(1.0), paper.rgb, 0.35);
    vec2 q = isf_FragNormCoord - 0.5;
    float edge = 1.0 - vignette * dot(q, q) * 1.8;
    gl_FragColor = vec4((tinted + fibre * grain) * edge, below.a);
}
