/*{
  "DESCRIPTION": "Encre: the new scene spreads like ink through paper, along soft noise.",
  "INPUTS": [
    {"NAME": "grain", "TYPE": "float", "DEFAULT": 3.0, "MIN": 0.5, "MAX": 12.0, "LABEL": "Ink grain"}
  ]
}*/

float hash(vec2 p) { return fract(sin(dot(p, vec2(127.1, 311.7))) * 43758.5453); }
float noise(vec2 p) {
    vec2 i = floor(p), f = fract(p);
    vec2 u = f * f * (3.0 - 2.0 * f);
    return mix(mix(hash(i), hash(i + vec2(1, 0)), u.x), mix(hash(i + vec2(0, 1)), hash(i + vec2(1, 1)), u.x), u.y);
}

void main() {
    vec2 p = uv * vec2(resolution.x / resolution.y, 1.0) * grain;
    float n = 0.65 * noise(p) + 0.35 * noise(p * 2.7);
    float edge = smoothstep(n - 0.12, n + 0.12, progress * 1.24 - 0.12);
    gl_FragColor = mix(texture(startImage, uv), texture(endImage, uv), edge);
}
