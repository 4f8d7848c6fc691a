package ai.jllm.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} (byte-level BPE as in Llama 3 and Qwen, SentencePiece-style BPE with byte
 * fallback as in Llama 2 and Mistral), producing exactly the ids and text of the Hugging Face {@code tokenizers}
 * library. The file's components are interpreted generically; a component type this class does not implement is
 * refused when loading, never approximated.
 *
 * <p>Encoding follows the library's order: added tokens are cut out of the raw input first (those marked
 * {@code normalized} out of the normalized text), each stretch between them is normalized and pre-tokenized,
 * each word goes through the BPE model, and the post-processor adds special tokens when asked to.
 *
 * <p>What this class deliberately matches is the Rust library (as DJL and {@code tokenizers.Tokenizer} expose it),
 * not the {@code transformers} Python wrapper: truncation and padding settings in the file are ignored, and
 * {@code decode} does not apply {@code clean_up_tokenization_spaces} (the wrapper's {@code decode} does when
 * tokenizer_config.json sets it, e.g. for Llama 3, turning {@code " ,"} into {@code ","}).
 *
 * <p>Instances are immutable apart from an internal word cache and safe to share between threads.
 */
public final class Tokenizer {

    private static final String TOKENIZER_JSON = "tokenizer.json";
    private static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";

    private final BpeModel model;
    private final AddedVocabulary addedVocabulary;
    private final Optional<Normalizer> normalizer;
    private final Optional<PreTokenizer> preTokenizer;
    private final Optional<PostProcessor> postProcessor;
    private final Decoder decoder;
    private final TokenizerConfig config;
    /** The model maps words to the byte-level alphabet itself (see {@link PreTokenizer#withoutFinalByteMapping}). */
    private final boolean modelMapsBytes;
    private final int vocabSize;

    private Tokenizer(TokenizerJsonReader.Definition definition, TokenizerConfig config) {
        this.model = definition.model();
        this.normalizer = definition.normalizer();
        this.postProcessor = definition.postProcessor();
        this.decoder = definition.decoder().orElseGet(SpaceJoiningDecoder::new);
        this.config = config;
        this.addedVocabulary = new AddedVocabulary(definition.addedTokens(), model, normalizer);
        Optional<PreTokenizer> deferred = model.acceptsRawBytes()
                ? definition.preTokenizer().flatMap(PreTokenizer::withoutFinalByteMapping)
                : Optional.empty();
        this.modelMapsBytes = deferred.isPresent();
        this.preTokenizer = deferred.isPresent() ? deferred : definition.preTokenizer();
        this.vocabSize = Math.max(model.idToTokenLimit(), addedVocabulary.maxId().orElse(-1) + 1);
    }

    /**
     * Loads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json}. {@code dir} may also
     * be the tokenizer.json file itself.
     *
     * @throws ai.jllm.JllmException if a file is missing or malformed, or uses a component type that is not
     *     implemented (the message names the file and the type)
     */
    public static Tokenizer load(Path dir) {
        Path json = Files.isDirectory(dir) ? dir.resolve(TOKENIZER_JSON) : dir;
        Path configPath = json.resolveSibling(TOKENIZER_CONFIG_JSON);
        TokenizerJsonReader.Definition definition = TokenizerJsonReader.read(JsonFile.read(json));
        return new Tokenizer(definition, TokenizerConfig.readIfPresent(configPath));
    }

    /**
     * The ids of {@code text}, as Hugging Face's {@code tokenizer(text, add_special_tokens=...)} gives them.
     * Special tokens written in the text (such as {@code <|im_start|>}) are always recognised;
     * {@code addSpecialTokens} only controls what the post-processor adds (such as a leading BOS).
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        IntList ids = new IntList(text.length() / 3 + 4);
        addedVocabulary.splitRaw(text, new AddedVocabulary.Sink() {
            @Override
            public void text(String stretch, int start) {
                encodeStretch(stretch, start == 0, ids);
            }

            @Override
            public void token(int id) {
                ids.add(id);
            }
        });
        int[] encoded = ids.toArray();
        return postProcessor.map(p -> p.process(encoded, addSpecialTokens)).orElse(encoded);
    }

    private void encodeStretch(String stretch, boolean atInputStart, IntList ids) {
        String normalized = normalizer.map(n -> n.normalize(stretch)).orElse(stretch);
        if (!addedVocabulary.hasNormalizedTokens()) {
            encodeNormalized(normalized, atInputStart, ids);
            return;
        }
        addedVocabulary.splitNormalized(normalized, new AddedVocabulary.Sink() {
            @Override
            public void text(String piece, int start) {
                encodeNormalized(piece, atInputStart && start == 0, ids);
            }

            @Override
            public void token(int id) {
                ids.add(id);
            }
        });
    }

    private void encodeNormalized(String text, boolean atInputStart, IntList ids) {
        if (text.isEmpty()) {
            return;
        }
        if (preTokenizer.isPresent()) {
            preTokenizer.get().preTokenize(text, atInputStart, (word, atStart) -> encodeWord(word, ids));
        } else {
            encodeWord(text, ids);
        }
    }

    private void encodeWord(String word, IntList ids) {
        if (modelMapsBytes) {
            model.encodeByteLevelWord(word, ids);
        } else {
            model.encodeWord(word, ids);
        }
    }

    /**
     * The text of {@code ids}, as Hugging Face's {@code tokenizer.decode(ids, skip_special_tokens=...)} in the
     * tokenizers library gives it (see the class comment about clean-up). Ids outside the vocabulary are skipped.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        TextCollector text = new TextCollector();
        DecoderStep pipeline = decoder.newStep(text);
        for (int id : ids) {
            decodableToken(id, skipSpecialTokens).ifPresent(token -> {
                pipeline.append(token);
                pipeline.endToken();
            });
        }
        pipeline.finish();
        return text.drain();
    }

    /** A streaming decoder whose pieces, concatenated, equal {@link #decode} of all ids pushed. */
    public IncrementalDetokenizer newDetokenizer(boolean skipSpecialTokens) {
        return new IncrementalDetokenizer(this, skipSpecialTokens);
    }

    DecoderStep newDecoderPipeline(DecoderStep downstream) {
        return decoder.newStep(downstream);
    }

    /** The token text that decoding {@code id} starts from, unless the id is unknown or skipped as special. */
    Optional<String> decodableToken(int id, boolean skipSpecialTokens) {
        Optional<String> token = idToToken(id);
        return skipSpecialTokens ? token.filter(t -> !addedVocabulary.isSpecial(t)) : token;
    }

    /** The number of ids, added tokens included: the largest id plus one. */
    public int vocabSize() {
        return vocabSize;
    }

    public OptionalInt tokenToId(String token) {
        OptionalInt added = addedVocabulary.tokenToId(token);
        return added.isPresent() ? added : model.tokenToId(token);
    }

    public Optional<String> idToToken(int id) {
        Optional<String> added = addedVocabulary.idToToken(id);
        return added.isPresent() ? added : model.idToToken(id);
    }

    /** Whether {@code id} is a special added token, i.e. one that {@code skipSpecialTokens} drops. */
    public boolean isSpecial(int id) {
        return idToToken(id).map(addedVocabulary::isSpecial).orElse(false);
    }

    /** The {@code bos_token} of tokenizer_config.json. */
    public Optional<String> bosToken() {
        return config.token(TokenizerConfig.BOS);
    }

    /** The {@code eos_token} of tokenizer_config.json. */
    public Optional<String> eosToken() {
        return config.token(TokenizerConfig.EOS);
    }

    /**
     * The named special tokens of tokenizer_config.json that are set ({@code bos_token}, {@code eos_token},
     * {@code unk_token}, {@code pad_token}) → their text, as chat templates see them.
     */
    public Map<String, String> specialTokens() {
        return config.specialTokens();
    }
}
