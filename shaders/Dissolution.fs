/*{
  "DESCRIPTION": "The leaving scene crumbles into grains of the arriving one, the grains glowing as they turn.",
  "CREDIT": "Carte sensible",
  "ISFVSN": "2",
  "CATEGORIES": ["Dissolve"],
  "INPUTS": [
    {"NAME": "startImage", "TYPE": "image"},
    {"NAME": "endImage", "TYPE": "image"},
    {"NAME": "progress", "TYPE": "float", "DEFAULT": 0.0, "MIN": 0.0, "MAX": 1.0},
    {"NAME": "grain", "TYPE": "float", "DEFAULT": 24.0, "MIN": 2.0, "MAX": 200.0, "LABEL": "Grain"},
    {"NAME": "glow", "TYPE": "color", "DEFAULT": [1.0, 0.7, 0.4, 1.0], "LABEL": "Glow"}
  ]
}*/

float hash(vec2 p) {
    return fract(sin(dot(p, vec2(127.1, 311.7))) * 43758.5453);
}

float noise(vec2 p) {
    vec2 i = floor(p), f = fract(p);
    f = f * f * (3.0 - 2.0 * f);
    return mix(mix(hash(i), hash(i + vec2(1, 0)), f.x),
               mix(hash(i + vec2(0, 1)), hash(i + vec2(1, 1)), f.x), f.y);
}

void main() {
    vec2 p = isf_FragNormCoord * vec2(RENDERSIZE.x / RENDERSIZE.y, 1.0) * grain;
    float n = 0.65 * noise(p) + 0.35 * noise(p * 2.7);
    float edge = progress * 1.2 - 0.1;
    float t = smoothstep(edge - 0.04, edge + 0.04, n);
    float rim = (1.0 - abs(t * 2.0 - 1.0)) * (1.0 - progress);
    vec4 mixed = mix(IMG_THIS_PIXEL(endImage), IMG_THIS_PIXEL(startImage), t);
    gl_FragColor = vec4(mixed.rgb + glow.rgb * rim * 0.8, 1.0);
}
