#version 330 core
// One instance per thread between two related contributions: a gently bent curve,
// drawn as a strip of `segments` quads, that grows from the older to the newer one.
in vec2 along;        // x: 0..1 along the curve, y: -1 or 1 across it
in vec4 ends;         // a.xy, b.xy in map space
in vec2 timing;       // born (s), bend (-1..1)
in vec2 span;         // the part of the curve drawn: from leaving a's place to reaching b's
uniform vec2 resolution;
uniform float time;
uniform vec3 view;    // centre x, y and zoom of the camera
uniform float width;  // pixels
out float v_across;
out float v_alpha;

vec2 on_screen(vec2 map) {
    vec2 p = (map - view.xy) * view.z;
    p.x *= resolution.y / resolution.x;
    return p;
}

void main() {
    float grow = smoothstep(0.0, 2.5, time - timing.x);
    float t = span.x + (span.y - span.x) * along.x * grow;
    vec2 a = ends.xy, b = ends.zw;
    vec2 normal = normalize(vec2(a.y - b.y, b.x - a.x) + 1e-6);
    vec2 control = mix(a, b, 0.5) + normal * timing.y * 0.25 * distance(a, b);
    vec2 p = mix(mix(a, control, t), mix(control, b, t), t);
    vec2 q = mix(mix(a, control, t + 0.01), mix(control, b, t + 0.01), t + 0.01);
    vec2 sp = on_screen(p), sq = on_screen(q);
    vec2 dir = normalize((sq - sp) * resolution + 1e-6);
    vec2 offset = vec2(-dir.y, dir.x) * along.y * width / resolution;
    gl_Position = vec4(sp + offset, 0.0, 1.0);
    v_across = along.y;
    v_alpha = grow * (0.35 + 0.65 * sin(3.14159 * along.x));
}
