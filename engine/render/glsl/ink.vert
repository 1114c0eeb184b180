#version 330 core
// One instance per stroke segment, seen through the camera: it appears at its moment
// of the drawing's inking and fades as the drawing's picture takes over (a tablet's
// live stroke, a few seconds after it was drawn). Never thinner than a pixel.
in vec2 corner;        // x: 0 at a, 1 at b; y: -1..1 across
in vec4 ends;          // a.xy, b.xy in map units
in vec2 widths;        // half width at a and at b, map units (pressure)
in vec4 colour;
in vec2 moments;       // show time it appears, and when it is gone
uniform vec2 resolution;
uniform vec3 view;     // camera centre x, y and zoom
uniform float time;
uniform float fade;    // seconds it takes to go
out vec4 v_colour;
out float v_across;

vec2 pixels(vec2 map) {
    vec2 p = (map - view.xy) * view.z;
    p.x *= resolution.y / resolution.x;
    return p * resolution * 0.5;
}

void main() {
    vec2 a = pixels(ends.xy), b = pixels(ends.zw);
    vec2 along = b - a;
    vec2 dir = along / max(length(along), 1e-6);
    vec2 normal = vec2(-dir.y, dir.x);
    vec2 half_widths = max(widths * view.z * resolution.y * 0.5, vec2(0.6));
    float half_width = mix(half_widths.x, half_widths.y, corner.x);
    // round the joints a little by overshooting each end by the half width
    vec2 p = mix(a - dir * half_widths.x, b + dir * half_widths.y, corner.x)
           + normal * corner.y * half_width;
    gl_Position = vec4(p / (resolution * 0.5), 0.0, 1.0);
    float shown = step(moments.x, time) * clamp((moments.y - time) / fade, 0.0, 1.0);
    v_colour = vec4(colour.rgb, colour.a * shown);
    v_across = corner.y;
}
