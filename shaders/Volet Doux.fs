/*{
  "DESCRIPTION": "A soft-edged wipe at any angle.",
  "CREDIT": "Carte sensible",
  "ISFVSN": "2",
  "CATEGORIES": ["Wipe"],
  "INPUTS": [
    {"NAME": "startImage", "TYPE": "image"},
    {"NAME": "endImage", "TYPE": "image"},
    {"NAME": "progress", "TYPE": "float", "DEFAULT": 0.0, "MIN": 0.0, "MAX": 1.0},
    {"NAME": "angle", "TYPE": "float", "DEFAULT": 0.0, "MIN": -3.1416, "MAX": 3.1416, "LABEL": "Angle"},
    {"NAME": "softness", "TYPE": "float", "DEFAULT": 0.15, "MIN": 0.0, "MAX": 0.5, "LABEL": "Softness"}
  ]
}*/

void main() {
    vec2 direction = vec2(cos(angle), sin(angle));
    vec2 p = isf_FragNormCoord - 0.5;
    float reach = 0.5 * (abs(direction.x) + abs(direction.y));
    float along = (dot(p, direction) + reach) / (2.0 * reach);
    float edge = progress * (1.0 + softness) - softness;
    float t = smoothstep(edge, edge + softness + 1e-4, along);
    gl_FragColor = mix(IMG_THIS_PIXEL(endImage), IMG_THIS_PIXEL(startImage), t);
}
