#version 330 core
// Ink over a halo of the opposite lightness, so text reads on any scene's field;
// greeked (below the readable floor) a glyph is a faint blur where its letters are.
in vec2 v_tex;
in vec4 v_color;
in float v_greek;
in float v_backdrop;
in vec2 v_local;
in vec2 v_size;
in float v_em;
uniform sampler2D atlas;
uniform float opacity;
uniform float halo_texels;
uniform float backdrop;  // how dark a card's plate is (0: none); a label's plate says its own
out vec4 colour;
const float PLATE = 0.2;  // ems a backdrop reaches beyond its text (compositor.PLATE_EMS)
const float SOFT = 0.35;  // ems over which it fades in, inside the text's box

void main() {
    float light = dot(v_color.rgb, vec3(0.299, 0.587, 0.114));
    vec3 shade = light > 0.5 ? vec3(0.0) : vec3(1.0);
    if (v_backdrop != 0.0) {
        // a soft plate of the halo's shade behind the card: full under the text, fading
        // with round corners over its margin (PLATE_EMS) and the quad's halo; gone once
        // the card is greeked
        vec2 inside = min(v_local, 1.0 - v_local) * v_size;  // ems from the plate's edge
        // ems beyond a rounded rectangle SOFT inside the text's box
        float out_by = length(max(vec2(PLATE + SOFT) - inside, 0.0)) - SOFT;
        float strength = v_backdrop < 0.0 ? backdrop : v_backdrop;
        float a = (1.0 - smoothstep(-SOFT, PLATE + 0.09, out_by)) * strength * (1.0 - v_greek);
        colour = vec4(shade * a, a) * v_color.a * opacity;
        return;
    }
    // the atlas is rasterised at visit size, so the whole view samples it minified:
    // a sharper mip and a steeper ramp keep thin strokes at full ink
    float coverage = smoothstep(0.05, 0.65, texture(atlas, v_tex, -0.5).r);
    vec2 step = vec2(halo_texels) / vec2(textureSize(atlas, 0));
    float halo = coverage;
    for (int i = 0; i < 8; i++) {
        float angle = float(i) * 0.785398;
        halo = max(halo, texture(atlas, v_tex + step * vec2(cos(angle), sin(angle))).r);
    }
    // light ink gets a firm dark halo; dark ink a soft light one (a firm one would
    // read as outlined letters)
    float edge = light > 0.5 ? 0.5 : 1.0;
    float back = smoothstep(0.0, edge, halo) * (light > 0.5 ? 0.85 : 0.25) * (1.0 - coverage);
    vec3 rgb = v_color.rgb * coverage + shade * back;
    float a = coverage + back;
    vec4 letters = vec4(rgb, a);
    // the letters' own shape, blurred (a coarser mip): a field of text, not tiny words
    // competing with the labels over it (a low ramp keeps it visible)
    float coarse = texture(atlas, v_tex, 2.5).r;  // where letters are small, a soft smudge;
    float blur = smoothstep(0.0, 0.35, max(coarse, halo * 0.8))  // tiny, their shape
               * mix(0.45, 0.2, smoothstep(3.0, 7.0, v_em));  // fainter under labels
    vec4 grey = vec4(v_color.rgb * blur, blur);
    // the blur comes in late: half-greeked letters fade over a clear field, not a smudge
    colour = (letters * (1.0 - v_greek) + grey * v_greek * v_greek * v_greek)
           * v_color.a * opacity;
}
