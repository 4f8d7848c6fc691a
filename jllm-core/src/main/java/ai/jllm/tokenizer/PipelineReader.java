package ai.jllm.tokenizer;

import ai.jllm.JllmException;
import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Reads the pipeline components of tokenizer.json (normalizer, pre-tokenizer, post-processor, decoder) by their
 * {@code type}, and refuses any type it does not implement rather than tokenizing differently from the
 * Hugging Face library.
 */
final class PipelineReader {

    private final JsonFile file;

    PipelineReader(JsonFile file) {
        this.file = file;
    }

    Optional<Normalizer> normalizer() {
        return optional("normalizer", this::normalizer);
    }

    Optional<PreTokenizer> preTokenizer() {
        return optional("pre_tokenizer", this::preTokenizer);
    }

    Optional<PostProcessor> postProcessor() {
        return optional("post_processor", this::postProcessor);
    }

    Optional<Decoder> decoder() {
        return optional("decoder", this::decoder);
    }

    private <T> Optional<T> optional(String field, BiFunction<JsonNode, String, T> reader) {
        JsonNode node = file.root().get(field);
        return node == null || node.isNull() ? Optional.empty() : Optional.of(reader.apply(node, field));
    }

    private Normalizer normalizer(JsonNode node, String where) {
        String type = file.type(node, where);
        return switch (type) {
            case "NFC" -> new UnicodeNormalizer(Form.NFC);
            case "NFD" -> new UnicodeNormalizer(Form.NFD);
            case "NFKC" -> new UnicodeNormalizer(Form.NFKC);
            case "NFKD" -> new UnicodeNormalizer(Form.NFKD);
            case "Prepend" -> new PrependNormalizer(file.text(node, "prepend", where));
            case "Replace" -> new ReplaceNormalizer(pattern(node, where).pattern(), file.text(node, "content", where));
            case "Sequence" -> new NormalizerSequence(list(node, "normalizers", where, this::normalizer));
            default -> throw unsupported("normalizer", type);
        };
    }

    private PreTokenizer preTokenizer(JsonNode node, String where) {
        String type = file.type(node, where);
        return switch (type) {
            case "Split" -> new SplitPreTokenizer(pattern(node, where).pattern(), behavior(node, where),
                    file.flag(node, "invert", false, where));
            case "ByteLevel" -> new ByteLevelPreTokenizer(file.flag(node, "add_prefix_space", true, where),
                    file.flag(node, "use_regex", true, where), true);
            case "Metaspace" -> new MetaspacePreTokenizer(Character.toString(character(node, "replacement", where)),
                    prependScheme(node, where), file.flag(node, "split", true, where));
            case "Sequence" -> new PreTokenizerSequence(list(node, "pretokenizers", where, this::preTokenizer));
            default -> throw unsupported("pre_tokenizer", type);
        };
    }

    private PostProcessor postProcessor(JsonNode node, String where) {
        String type = file.type(node, where);
        return switch (type) {
            case "ByteLevel" -> new ByteLevelPostProcessor();
            case "TemplateProcessing" -> template(node, where);
            case "Sequence" -> new PostProcessorSequence(list(node, "processors", where, this::postProcessor));
            default -> throw unsupported("post_processor", type);
        };
    }

    private Decoder decoder(JsonNode node, String where) {
        String type = file.type(node, where);
        return switch (type) {
            case "ByteLevel" -> new ByteLevelDecoder();
            case "ByteFallback" -> new ByteFallbackDecoder();
            case "Fuse" -> new FuseDecoder();
            case "Strip" -> new StripDecoder(character(node, "content", where), file.count(node, "start", 0, where),
                    file.count(node, "stop", 0, where));
            case "Replace" -> {
                ReplacePattern pattern = pattern(node, where);
                yield new ReplaceDecoder(pattern.literal(), pattern.pattern(), file.text(node, "content", where));
            }
            case "Metaspace" -> new MetaspaceDecoder(character(node, "replacement", where), prependScheme(node, where));
            case "Sequence" -> new DecoderSequence(list(node, "decoders", where, this::decoder));
            default -> throw unsupported("decoder", type);
        };
    }

    private JllmException unsupported(String component, String type) {
        return file.error("unsupported " + component + " type \"" + type + "\"");
    }

    private <T> List<T> list(JsonNode node, String field, String where, BiFunction<JsonNode, String, T> reader) {
        JsonNode items = file.container(node, field, where);
        if (!items.isArray()) {
            throw file.error(where + "." + field + " must be an array");
        }
        List<T> result = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            result.add(reader.apply(items.get(i), where + "." + field + "[" + i + "]"));
        }
        return result;
    }

    /** A {@code {"String": ...}} or {@code {"Regex": ...}} pattern. */
    private record ReplacePattern(Optional<String> literal, Pattern pattern) {}

    private ReplacePattern pattern(JsonNode node, String where) {
        JsonNode pattern = file.container(node, "pattern", where);
        if (pattern.hasNonNull("String")) {
            String literal = file.text(pattern, "String", where + ".pattern");
            if (literal.isEmpty()) {
                throw file.error(where + ".pattern.String must not be empty");
            }
            return new ReplacePattern(Optional.of(literal), OnigRegex.literal(literal));
        }
        if (pattern.hasNonNull("Regex")) {
            String regex = file.text(pattern, "Regex", where + ".pattern");
            return new ReplacePattern(Optional.empty(), OnigRegex.compile(regex, file.path() + ": " + where + ".pattern"));
        }
        throw file.error(where + ".pattern must hold \"String\" or \"Regex\"");
    }

    private SplitBehavior behavior(JsonNode node, String where) {
        String name = file.text(node, "behavior", where);
        for (SplitBehavior behavior : SplitBehavior.values()) {
            if (behavior.jsonName().equals(name)) {
                return behavior;
            }
        }
        throw file.error(where + ".behavior \"" + name + "\" is not a known split behavior");
    }

    private PrependScheme prependScheme(JsonNode node, String where) {
        if (!file.flag(node, "add_prefix_space", true, where)) {
            return PrependScheme.NEVER;
        }
        String name = file.optionalText(node, "prepend_scheme", where).orElse("always");
        return switch (name) {
            case "first" -> PrependScheme.FIRST;
            case "never" -> PrependScheme.NEVER;
            case "always" -> PrependScheme.ALWAYS;
            default -> throw file.error(where + ".prepend_scheme \"" + name + "\" is not first, never or always");
        };
    }

    private int character(JsonNode node, String field, String where) {
        String text = file.text(node, field, where);
        if (text.codePointCount(0, text.length()) != 1) {
            throw file.error(where + "." + field + " must be a single character");
        }
        return text.codePointAt(0);
    }

    private TemplatePostProcessor template(JsonNode node, String where) {
        JsonNode specialTokens = node.get("special_tokens");
        List<TemplatePostProcessor.Piece> pieces = new ArrayList<>();
        JsonNode single = file.container(node, "single", where);
        for (int i = 0; i < single.size(); i++) {
            String pieceWhere = where + ".single[" + i + "]";
            JsonNode piece = single.get(i);
            if (piece.has("Sequence")) {
                String id = file.text(piece.get("Sequence"), "id", pieceWhere + ".Sequence");
                if (!id.equals("A")) {
                    throw file.error(pieceWhere + " refers to sequence " + id + ", but a single template only has A");
                }
                pieces.add(new TemplatePostProcessor.SequencePiece());
            } else if (piece.has("SpecialToken")) {
                String name = file.text(piece.get("SpecialToken"), "id", pieceWhere + ".SpecialToken");
                pieces.add(new TemplatePostProcessor.SpecialPiece(name, specialTokenIds(specialTokens, name, where)));
            } else {
                throw file.error(pieceWhere + " must hold \"Sequence\" or \"SpecialToken\"");
            }
        }
        return new TemplatePostProcessor(pieces);
    }

    private int[] specialTokenIds(JsonNode specialTokens, String name, String where) {
        JsonNode entry = specialTokens == null ? null : specialTokens.get(name);
        if (entry == null || !entry.path("ids").isArray()) {
            throw file.error(where + ".special_tokens has no ids for \"" + name + "\"");
        }
        JsonNode ids = entry.get("ids");
        int[] result = new int[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            if (!ids.get(i).canConvertToInt()) {
                throw file.error(where + ".special_tokens." + name + ".ids must hold integers");
            }
            result[i] = ids.get(i).asInt();
        }
        return result;
    }
}
