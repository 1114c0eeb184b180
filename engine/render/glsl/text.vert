#version 330 core
// One instance per glyph. Cards live in map space, -1..1 on the short side, bloom in
// and drift slowly; overlays (born at or below OVERLAY) sit still in NDC.
const float OVERLAY = -1e8;
in vec2 corner;
in vec4 quad;      // x, y, w, h in atlas pixels, y down, relative to the anchor
in vec4 tex;       // u0, v0, u1, v1
in vec4 anchor;    // x, y, size (screen heights per atlas pixel), born (seconds)
in vec4 color;
in float pinned;   // pinned cards never settle
uniform vec2 resolution;
uniform float settled;       // size of a settled card relative to its arrival size
uniform float settle_after;  // seconds a new card stays large
uniform float time;
uniform float drift;
uniform vec3 view;           // camera centre x, y and zoom (cards only)
out vec2 v_tex;
out vec4 v_color;

void main() {
    vec2 centre = anchor.xy;
    float size = anchor.z;
    float alpha = 1.0;
    if (anchor.w > OVERLAY) {
        float bloom = smoothstep(0.0, 1.6, max(time - anchor.w, 0.0));
        float seed = fract(sin(dot(anchor.xy, vec2(12.9898, 78.233))) * 43758.5453) * 6.2831;
        centre += drift * vec2(sin(time * 0.07 + seed), cos(time * 0.05 + seed * 1.3));
        centre = (centre - view.xy) * view.z;
        centre.x *= resolution.y / resolution.x;
        float age = max(time - anchor.w, 0.0);
        float settle = pinned > 0.5 ? 0.0 : smoothstep(settle_after, settle_after * 2.5, age);
        size *= mix(1.3, 1.0, bloom) * mix(1.0, settled, settle) * view.z;
        alpha = bloom * mix(1.0, 0.62, settle);
    }
    vec2 pixel = quad.xy + corner * quad.zw;
    vec2 offset = vec2(pixel.x, -pixel.y) * size * 2.0 * vec2(resolution.y / resolution.x, 1.0);
    gl_Position = vec4(centre + offset, 0.0, 1.0);
    v_tex = mix(tex.xy, tex.zw, corner);
    v_color = vec4(color.rgb, color.a * alpha);
}
