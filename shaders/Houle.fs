/*{
  "DESCRIPTION": "A slow swell of coloured bands that breathes with the soundscape's spectrum.",
  "CREDIT": "Carte sensible",
  "ISFVSN": "2",
  "CATEGORIES": ["Generator"],
  "INPUTS": [
    {"NAME": "speed", "TYPE": "float", "DEFAULT": 0.15, "MIN": 0.0, "MAX": 1.0, "LABEL": "Speed"},
    {"NAME": "bands", "TYPE": "float", "DEFAULT": 5.0, "MIN": 1.0, "MAX": 16.0, "LABEL": "Bands"},
    {"NAME": "palette", "TYPE": "long", "VALUES": [0, 1, 2], "LABELS": ["Dusk", "Sea", "Ember"],
     "DEFAULT": 1, "LABEL": "Palette"},
    {"NAME": "centre", "TYPE": "point2D", "DEFAULT": [0.5, 0.2], "MIN": [0.0, 0.0],
     "MAX": [1.0, 1.0], "LABEL": "Centre"},
    {"NAME": "spectrum", "TYPE": "audioFFT", "MAX": 32}
  ]
}*/

vec3 tone(float t) {
    if (palette == 0) return mix(vec3(0.10, 0.05, 0.20), vec3(0.85, 0.45, 0.35), t);
    if (palette == 2) return mix(vec3(0.12, 0.02, 0.00), vec3(0.95, 0.55, 0.10), t);
    return mix(vec3(0.02, 0.08, 0.16), vec3(0.30, 0.70, 0.75), t);
}

void main() {
    vec2 p = isf_FragNormCoord - centre;
    p.x *= RENDERSIZE.x / RENDERSIZE.y;
    float r = length(p);
    float energy = IMG_NORM_PIXEL(spectrum, vec2(clamp(r, 0.0, 1.0), 0.5)).r;
    float swell = sin(r * bands * 6.2832 - TIME * speed * 6.2832 + energy * 3.0);
    float t = 0.5 + 0.5 * swell;
    t = smoothstep(0.1, 0.9, t) * (1.0 - 0.6 * r);
    gl_FragColor = vec4(tone(t) * (0.55 + 0.45 * t), 1.0);
}
