#version 330 core
// The paint layer as one quad in map space, seen through the camera.
in vec2 corner;
uniform vec4 extent;
uniform vec2 resolution;
uniform vec3 view;
out vec2 v_uv;

void main() {
    vec2 p = extent.xy + corner * extent.zw;
    vec2 screen = (p - view.xy) * view.z;
    screen.x *= resolution.y / resolution.x;
    gl_Position = vec4(screen, 0.0, 1.0);
    v_uv = corner;
}
