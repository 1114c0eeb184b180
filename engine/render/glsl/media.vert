#version 330 core
// One instance per picture: a framed quad in map space, drawn inside its place (the
// carte's box for it, gutter aside), fading in and dimming as it settles.
in vec2 corner;
in vec4 place;     // x, y (map), half width, half height (map units)
in vec4 look;      // layer, born (s), framed (1: photos and videos; 0: drawings;
                   // 2: figures drawn in), pinned
in vec4 uvrect;    // where the picture sits in its layer: u, v, width, height
uniform float gutter;       // map units of the place kept free around the picture
uniform float settle_after;
uniform vec2 resolution;
uniform float time;
uniform float drift;
uniform vec3 view;
out vec3 v_tex;
out vec2 v_local;
out float v_alpha;
out float v_framed;
out float v_reveal;

void main() {
    float bloom = smoothstep(0.0, 1.6, max(time - look.y, 0.0));
    float seed = fract(sin(dot(place.xy, vec2(12.9898, 78.233))) * 43758.5453) * 6.2831;
    vec2 centre = place.xy + drift * vec2(sin(time * 0.07 + seed), cos(time * 0.05 + seed * 1.3));
    float age = max(time - look.y, 0.0);
    float settle = look.w > 0.5 ? 0.0 : smoothstep(settle_after, settle_after * 2.5, age);
    vec2 half_size = max(place.zw - gutter, vec2(0.0));
    vec2 position = (centre - view.xy + (corner * 2.0 - 1.0) * half_size) * view.z;
    position.x *= resolution.y / resolution.x;
    gl_Position = vec4(position, 0.0, 1.0);
    v_local = corner;
    v_tex = vec3(uvrect.x + corner.x * uvrect.z, uvrect.y + (1.0 - corner.y) * uvrect.w, look.x);
    v_alpha = bloom * mix(1.0, 0.7, settle);
    v_framed = look.z;
    v_reveal = look.z > 1.5 ? smoothstep(0.0, 3.5, age) : 1.0;
}
