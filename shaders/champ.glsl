/*{
  "DESCRIPTION": "Champ, the default field: a slow living map of collective thought. Currents of light drift over a night-blue ground like contour lines on a map, around four soft theme poles (capacitations, datas, coop\u00e9rations, d\u00e9mocratie). Richer as contributions gather; a soft ring spreads after each arrival.",
  "INPUTS": [
    {"NAME": "speed",      "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 4.0, "LABEL": "Drift speed"},
    {"NAME": "scale",      "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.5, "MAX": 2.0, "LABEL": "Field scale"},
    {"NAME": "lines",      "TYPE": "float", "DEFAULT": 0.6, "MIN": 0.0, "MAX": 1.0, "LABEL": "Current lines"},
    {"NAME": "poles",      "TYPE": "float", "DEFAULT": 0.7, "MIN": 0.0, "MAX": 1.0, "LABEL": "Theme poles"},
    {"NAME": "brightness", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 2.0, "LABEL": "Brightness"}
  ]
}*/

// Written to stay cheap: the engine may run on a software renderer (llvmpipe), so there
// is no noise texture, no loop, no sin() and as few divisions as possible in here.

// A cheap smooth sine (x in radians): two parabolas, within 6% of sin().
float psin(float x) {
    float g = fract(x * 0.1591549) - 0.5;
    return 16.0 * g * (abs(g) - 0.5);
}

void main() {
    vec2 p = (gl_FragCoord.xy - 0.5 * resolution) / resolution.y;  // centre 0, height 1
    float t = time * 0.05 * speed;
    float rich = min(contributions * 0.0007, 1.0);
    rich *= 2.0 - rich;                    // 0 with none, eases up to 1 at ~1400 contributions
    float audio = clamp(audioLevel, 0.0, 1.0);

    // Turbulence (after Xor): three rotated sine displacements, each finer and faster.
    vec2 q0 = p * (1.6 / scale);
    vec2 q = q0;
    q += vec2( 0.518, -0.691) * psin(dot(q, vec2(0.880,  0.660)) + t * 0.60);
    vec2 pp = p + 0.12 * (q - q0);         // the first current bends the poles' light
    q += vec2(-0.151, -0.518) * psin(dot(q, vec2(1.690, -0.493)) + t * 0.73 + 1.7);
    float wave = psin(dot(q, vec2(0.991, -2.636)) + t * 0.86 + 3.4);
    q += vec2(-0.316, -0.119) * wave;
    vec2 disp = q - q0;

    // Four theme poles, one per quadrant around the centre (mirrored: one distance for all).
    vec2 a = (abs(pp) - vec2(0.46, 0.26)) * vec2(1.0, 1.3);
    float pole = clamp(1.0 - dot(a, a) * 10.0, 0.0, 1.0);  // each glow stays in its quadrant
    pole *= pole;
    vec2 side = step(0.0, pp);
    vec3 glow = (vec3(0.60, 0.46, 1.00)                      // democratie: violet, lower left
                 + vec3(0.40, 0.12, -0.74) * side.y          // capacitations: amber, upper left
                 + (vec3(0.40, -0.06, -0.50)                 // cooperations: coral, lower right
                    + vec3(-1.12, 0.18, 1.24) * side.y) * side.x)  // datas: cyan, upper right
              * (pole * poles * (0.26 + 0.10 * rich + 0.06 * audioBands.x));

    // A contribution arrives: a soft ring spreads from the centre for a few seconds.
    float fresh = clamp(1.0 - sinceArrival * 0.11, 0.0, 1.0);
    fresh *= fresh * min(sinceArrival * 2.0, 1.0);  // half a second to swell, nine to fade
    float ring = (length(p) - sinceArrival * 0.17) * 10.0;
    float ripple = max(1.0 - ring * ring, 0.0);
    ripple *= ripple * fresh;

    // Current lines: contours of the advected field (the poles are hills on this map),
    // pixel-sharp with a soft glow, faded where they crowd.
    float n = (q.y * 1.1 + 0.4 * pole + 0.06 * ripple) * 9.0;
    float fw = fwidth(n) + 1e-4;
    float e = fract(n + 0.5) - 0.5;
    float px = abs(e) / fw;                       // distance to the line, in pixels
    float line = max(1.0 - 0.5 * px, 0.0);
    float halo = max(1.0 - 0.08 * px, 0.0);
    line = line * line + 0.18 * halo * halo;
    // each line brightens and fades in its own slow rhythm
    float pulse = abs(fract((n - e) * 0.618 + t * 0.08) - 0.5) * 2.0;
    pulse *= pulse;
    float ink = smoothstep(-0.7, 0.7, 1.1 * disp.x - 0.6 * disp.y);
    float fil = line * clamp(1.5 - 5.0 * fw, 0.0, 1.0) * lines
              * ((0.15 + 0.7 * pulse) * (0.55 + ink) * (0.85 + 0.45 * rich + 0.3 * audio)
                 + 0.7 * ripple);

    // Ground: night ink, and aurora-like veils drifting along the currents.
    float veil = max(wave, 0.0);
    veil *= veil * (0.3 + ink);
    vec3 col = vec3(0.016, 0.021, 0.056)
             + (vec3(0.006, 0.010, 0.030) + vec3(0.040, 0.052, 0.115) * ink) * ink
             + vec3(0.030, 0.070, 0.110) * veil;
    col += glow + (vec3(0.32, 0.45, 0.75) + 2.0 * glow) * fil + vec3(0.06, 0.09, 0.15) * ripple;

    float lift = (1.0 - 0.45 * dot(p, p)) * brightness
               * (0.9 + 0.2 * rich + 0.1 * audio + 0.15 * fresh);
    // a tiny dither (R2 sequence) keeps the dark gradients free of banding
    float dither = fract(dot(gl_FragCoord.xy, vec2(0.7548777, 0.5698403)));
    gl_FragColor = vec4(max(col * lift + (dither - 0.5) / 255.0, 0.0), 1.0);
}
