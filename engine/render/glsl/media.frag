#version 330 core
in vec3 v_tex;
in vec2 v_local;
in float v_alpha;
in float v_framed;
in float v_reveal;
uniform sampler2DArray pictures;
uniform float opacity;
out vec4 colour;

void main() {
    vec4 picture = texture(pictures, v_tex);
    // A thin warm frame, so photos read as objects placed on the map.
    vec2 edge = min(v_local, 1.0 - v_local);
    float frame = (1.0 - smoothstep(0.006, 0.014, min(edge.x, edge.y))) * step(abs(v_framed - 1.0), 0.5);
    picture.a *= 1.0 - smoothstep(v_reveal - 0.03, v_reveal, v_local.x);
    vec3 rgb = mix(picture.rgb, vec3(0.96, 0.92, 0.84), frame * 0.8);
    float a = max(picture.a, frame * 0.8) * v_alpha * opacity;
    colour = vec4(rgb * a, a);
}
