/*{
  "DESCRIPTION": "Drifting sparks leaving a long wake: a persistent, half-size float buffer remembers each trail.",
  "CREDIT": "Carte sensible",
  "ISFVSN": "2",
  "CATEGORIES": ["Generator"],
  "INPUTS": [
    {"NAME": "sparks", "TYPE": "float", "DEFAULT": 6.0, "MIN": 1.0, "MAX": 12.0, "LABEL": "Sparks"},
    {"NAME": "memory", "TYPE": "float", "DEFAULT": 0.96, "MIN": 0.5, "MAX": 0.995, "LABEL": "Memory"},
    {"NAME": "ink", "TYPE": "color", "DEFAULT": [0.95, 0.75, 0.45, 1.0], "LABEL": "Ink"},
    {"NAME": "burst", "TYPE": "event", "LABEL": "Burst"}
  ],
  "PASSES": [
    {"TARGET": "wake", "PERSISTENT": true, "FLOAT": true,
     "WIDTH": "floor($WIDTH / 2.0)", "HEIGHT": "floor($HEIGHT / 2.0)"},
    {}
  ]
}*/

vec2 spark(float i) {
    float t = TIME * 0.11 + i * 1.7;
    return vec2(0.5 + 0.38 * sin(t * 1.3 + i), 0.5 + 0.34 * sin(t * 0.9 + i * 2.1));
}

void main() {
    if (PASSINDEX == 0) {
        vec4 last = IMG_THIS_NORM_PIXEL(wake);
        float light = 0.0;
        vec2 aspect = vec2(RENDERSIZE.x / RENDERSIZE.y, 1.0);
        for (float i = 0.0; i < 12.0; i += 1.0) {
            if (i >= sparks) break;
            vec2 d = (isf_FragNormCoord - spark(i)) * aspect;
            light += 0.0009 / (dot(d, d) + 0.0006);
        }
        float fade = burst ? 0.0 : memory;
        gl_FragColor = vec4(last.rgb * fade + ink.rgb * light * 0.08, 1.0);
    } else {
        vec3 wake = IMG_NORM_PIXEL(wake, isf_FragNormCoord).rgb;
        vec3 glow = 1.0 - exp(-wake * 1.5);
        gl_FragColor = vec4(glow + vec3(0.02, 0.025, 0.04), 1.0);
    }
}
