#version 330 core
// The invitation card: one quad placed in screen fractions (x right, y down).
in vec2 corner;
uniform vec2 centre;   // 0..1 of the screen
uniform vec2 half_size; // 0..1 of the screen
out vec2 v_uv;

void main() {
    vec2 at = centre + (corner - 0.5) * 2.0 * half_size;
    v_uv = vec2(corner.x, corner.y);
    gl_Position = vec4(at.x * 2.0 - 1.0, 1.0 - at.y * 2.0, 0.0, 1.0);
}
