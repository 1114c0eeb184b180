/*{
  "DESCRIPTION": "Brume: banks of pale mist drift slowly across a dawn sky, lit from behind by a low, diffuse sun. Calm and grain-free; the dawn warms a little as contributions gather, and breathes after each arrival.",
  "INPUTS": [
    {"NAME": "speed",      "TYPE": "float", "DEFAULT": 1.0,  "MIN": 0.0, "MAX": 4.0, "LABEL": "Drift speed"},
    {"NAME": "mist",       "TYPE": "float", "DEFAULT": 0.7,  "MIN": 0.0, "MAX": 1.0, "LABEL": "Mist density"},
    {"NAME": "warmth",     "TYPE": "float", "DEFAULT": 0.5,  "MIN": 0.0, "MAX": 1.0, "LABEL": "Dawn warmth"},
    {"NAME": "brightness", "TYPE": "float", "DEFAULT": 1.0,  "MIN": 0.0, "MAX": 2.0, "LABEL": "Brightness"}
  ]
}*/

// Cheap on purpose (software renderers): a few parabolic sines, no noise, no loop.

// A cheap smooth sine (x in radians): two parabolas, within 6% of sin().
float psin(float x) {
    float g = fract(x * 0.1591549) - 0.5;
    return 16.0 * g * (abs(g) - 0.5);
}

void main() {
    vec2 p = (gl_FragCoord.xy - 0.5 * resolution) / resolution.y;  // centre 0, height 1
    float t = time * 0.03 * speed;
    float rich = min(contributions * 0.0007, 1.0);
    rich *= 2.0 - rich;
    float fresh = clamp(1.0 - sinceArrival * 0.15, 0.0, 1.0);
    fresh *= fresh * smoothstep(0.0, 1.5, sinceArrival);  // a slow breath after each arrival
    float audio = clamp(audioLevel, 0.0, 1.0);

    // the air itself sways a little
    float x = p.x + 0.09 * psin(p.y * 3.1 + t * 1.3);
    // slow wisps stretched along the wind, drifting through every bank
    float wisp = psin(x * 3.3 - p.y * 7.0 + t * 2.2);

    // three banks of mist, far to near; each drifts at its own pace
    float far  = 0.02 + 0.07 * psin(x * 2.3 + t * 0.9) + 0.03 * psin(x * 5.3 - t * 1.7 + 2.0);
    float mid  = -0.15 + 0.08 * psin(x * 1.9 - t * 1.2 + 4.0) + 0.02 * wisp;
    float near = -0.32 + 0.09 * psin(x * 1.4 + t * 1.5 + 1.0) - 0.02 * wisp;
    float m1 = smoothstep(0.07, -0.06, p.y - far) * (0.7 + 0.3 * wisp);
    float m2 = smoothstep(0.08, -0.07, p.y - mid) * (0.75 - 0.25 * wisp);
    float m3 = smoothstep(0.09, -0.08, p.y - near) * (0.9 + 0.1 * wisp);

    // dawn sky: deep blue above, lilac, then coral and peach toward a low horizon
    float h = clamp(0.62 - p.y, 0.0, 1.2);
    vec3 horizon = mix(vec3(0.96, 0.58, 0.60), vec3(1.00, 0.66, 0.44), warmth);
    vec3 col = mix(vec3(0.10, 0.15, 0.36), vec3(0.46, 0.38, 0.64), min(h * 1.5, 1.0));
    col = mix(col, horizon, smoothstep(0.5, 1.1, h));

    // a low, diffuse sun behind the mist, rising a touch as contributions gather
    vec2 s = p - vec2(0.22 * psin(t * 0.21 + 1.0), -0.04 + 0.07 * rich);
    float sun = 1.0 / (1.0 + 8.0 * dot(s, s));
    sun *= sun * (0.75 + 0.25 * warmth + 0.25 * fresh);
    vec3 light = vec3(1.0, 0.72, 0.45) * sun;
    col += 0.45 * light;

    // each bank veils what lies behind it with its own pale tint; nearer banks are cooler
    // and deeper, and the top edge of each bank catches the sunlight
    col = mix(col, vec3(0.96, 0.76, 0.74) + 0.5 * light, m1 * 0.55 * mist);
    col += (vec3(0.10, 0.06, 0.06) + 0.6 * light) * (m1 * (1.0 - m1) * mist);
    col = mix(col, vec3(0.74, 0.66, 0.86) + 0.3 * light, m2 * 0.58 * mist);
    col += (vec3(0.08, 0.06, 0.10) + 0.5 * light) * (m2 * (1.0 - m2) * mist);
    col = mix(col, vec3(0.36, 0.40, 0.66) + 0.1 * light, m3 * 0.72 * mist);
    col += (vec3(0.05, 0.06, 0.10) + 0.3 * light) * (m3 * (1.0 - m3) * mist);

    float lift = (1.0 - 0.25 * dot(p, p)) * brightness * 0.8
               * (0.92 + 0.08 * rich + 0.05 * audio + 0.08 * fresh);
    float dither = fract(dot(gl_FragCoord.xy, vec2(0.7548777, 0.5698403)));
    gl_FragColor = vec4(max(col * lift + (dither - 0.5) / 255.0, 0.0), 1.0);
}
