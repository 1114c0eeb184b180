#version 330 core
// One instance per stroke segment, drawn once into the paint layer (map space).
in vec2 corner;        // x: 0 at a, 1 at b; y: -1..1 across
in vec4 ends;          // a.xy, b.xy in map units
in vec2 widths;        // half width at a and at b, map units (pressure)
in vec4 colour;
uniform vec4 extent;   // the paint layer's map rectangle: x0, y0, width, height
out vec4 v_colour;
out float v_across;

void main() {
    vec2 a = ends.xy, b = ends.zw;
    vec2 along = b - a;
    float len = max(length(along), 1e-6);
    vec2 dir = along / len;
    vec2 normal = vec2(-dir.y, dir.x);
    float half_width = mix(widths.x, widths.y, corner.x);
    // round the joints a little by overshooting each end by the half width
    vec2 p = mix(a - dir * widths.x, b + dir * widths.y, corner.x) + normal * corner.y * half_width;
    vec2 ndc = (p - extent.xy) / extent.zw * 2.0 - 1.0;
    gl_Position = vec4(ndc, 0.0, 1.0);
    v_colour = colour;
    v_across = corner.y;
}
