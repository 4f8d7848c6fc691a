package ai.jllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code BPE} model: turns one word into token ids. A word starts as one symbol per character (or per
 * {@code <0xXX>} byte with {@code byte_fallback}, or the unknown token), then {@link BpeMerger} merges it.
 * Results are cached per word, like the Hugging Face library's cache; the cache changes nothing but speed.
 */
final class BpeModel {

    /** Configuration read from the {@code model} object of tokenizer.json. */
    record Options(Optional<String> unkToken, String continuingSubwordPrefix, String endOfWordSuffix,
                   boolean fuseUnk, boolean byteFallback, boolean ignoreMerges) {}

    private static final int NO_ID = Integer.MIN_VALUE;
    private static final int CACHE_CAPACITY = 1 << 16;
    /** Longer words are rare and mostly unique: caching them would only evict useful entries. */
    private static final int MAX_CACHED_WORD_LENGTH = 256;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final MergeTable merges;
    private final Options options;
    private final OptionalInt unkId;
    /** Id of each single-character token of the Basic Multilingual Plane, or NO_ID. */
    private final int[] bmpCharIds;
    /** Id of each {@code <0xXX>} token, or NO_ID. */
    private final int[] byteTokenIds;
    /** Id of each byte's {@link ByteLevelAlphabet} character, when all 256 are in the vocabulary. */
    private final Optional<int[]> byteLevelIds;
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();

    /** Takes ownership of {@code vocab}; {@code options.unkToken()}, when present, must be in it. */
    BpeModel(Map<String, Integer> vocab, MergeTable merges, Options options) {
        this.vocab = vocab;
        this.merges = merges;
        this.options = options;
        int maxId = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        idToToken = new String[maxId + 1];
        vocab.forEach((token, id) -> idToToken[id] = token);
        unkId = options.unkToken().map(vocab::get).map(OptionalInt::of).orElse(OptionalInt.empty());
        bmpCharIds = new int[Character.MAX_VALUE + 1];
        Arrays.fill(bmpCharIds, NO_ID);
        vocab.forEach((token, id) -> {
            if (token.length() == 1) {
                bmpCharIds[token.charAt(0)] = id;
            }
        });
        byteTokenIds = new int[256];
        int[] alphabetIds = new int[256];
        boolean alphabetComplete = options.continuingSubwordPrefix().isEmpty() && options.endOfWordSuffix().isEmpty();
        for (int b = 0; b < 256; b++) {
            byteTokenIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), NO_ID);
            alphabetIds[b] = bmpCharIds[ByteLevelAlphabet.charOf(b)];
            alphabetComplete &= alphabetIds[b] != NO_ID;
        }
        byteLevelIds = alphabetComplete ? Optional.of(alphabetIds) : Optional.empty();
    }

    /** The number of tokens, as the Hugging Face library counts them when numbering added tokens. */
    int vocabSize() {
        return vocab.size();
    }

    /** The largest id plus one. */
    int idToTokenLimit() {
        return idToToken.length;
    }

    OptionalInt tokenToId(String token) {
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    Optional<String> idToToken(int id) {
        return id >= 0 && id < idToToken.length ? Optional.ofNullable(idToToken[id]) : Optional.empty();
    }

    /** Whether {@link #encodeByteLevelWord} can be used instead of mapping words to the byte alphabet first. */
    boolean acceptsRawBytes() {
        return byteLevelIds.isPresent();
    }

    /** Appends the ids of {@code word}, a piece of normalized, pre-tokenized text. */
    void encodeWord(String word, IntList out) {
        if (options.ignoreMerges()) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        int[] cached = wordCache.get(word);
        if (cached == null) {
            IntList symbols = initialSymbols(word);
            cached = cache(word, BpeMerger.merge(merges, symbols.toArray(), symbols.size()));
        }
        out.addAll(cached);
    }

    /**
     * Appends the ids of {@code word} spelled in the byte-level alphabet, without building that spelling:
     * each UTF-8 byte starts as the symbol of its alphabet character. Requires {@link #acceptsRawBytes()}.
     */
    void encodeByteLevelWord(String word, IntList out) {
        int[] cached = wordCache.get(word);
        if (cached == null) {
            cached = cache(word, mergeByteLevel(word));
        }
        out.addAll(cached);
    }

    private int[] mergeByteLevel(String word) {
        if (options.ignoreMerges()) {
            Integer whole = vocab.get(ByteLevelAlphabet.encode(word));
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int[] alphabetIds = byteLevelIds.orElseThrow();
        byte[] utf8 = word.getBytes(StandardCharsets.UTF_8);
        int[] symbols = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            symbols[i] = alphabetIds[utf8[i] & 0xFF];
        }
        return BpeMerger.merge(merges, symbols, symbols.length);
    }

    private int[] cache(String word, int[] ids) {
        if (word.length() <= MAX_CACHED_WORD_LENGTH) {
            if (wordCache.size() >= CACHE_CAPACITY) {
                wordCache.clear();
            }
            wordCache.put(word, ids);
        }
        return ids;
    }

    /** One symbol per character; unknown characters fall back to byte tokens, then to the unknown token. */
    private IntList initialSymbols(String word) {
        IntList symbols = new IntList(word.length());
        boolean pendingUnk = false;
        for (int i = 0; i < word.length(); ) {
            int codePoint = word.codePointAt(i);
            int next = i + Character.charCount(codePoint);
            boolean decorated = (i > 0 && !options.continuingSubwordPrefix().isEmpty())
                    || (next == word.length() && !options.endOfWordSuffix().isEmpty());
            String symbol = decorated ? decorate(word.substring(i, next), i == 0, next == word.length()) : null;
            int id = symbol != null ? vocab.getOrDefault(symbol, NO_ID)
                    : codePoint <= Character.MAX_VALUE ? bmpCharIds[codePoint]
                    : vocab.getOrDefault(Character.toString(codePoint), NO_ID);
            i = next;
            if (id != NO_ID) {
                if (pendingUnk) {
                    symbols.add(unkId.getAsInt());
                    pendingUnk = false;
                }
                symbols.add(id);
                continue;
            }
            String text = symbol != null ? symbol : Character.toString(codePoint);
            if (options.byteFallback() && addByteTokens(text, symbols)) {
                continue;
            }
            if (unkId.isPresent()) {
                if (pendingUnk && !options.fuseUnk()) {
                    symbols.add(unkId.getAsInt());
                }
                pendingUnk = true;
            }
        }
        if (pendingUnk) {
            symbols.add(unkId.getAsInt());
        }
        return symbols;
    }

    private String decorate(String character, boolean first, boolean last) {
        String prefixed = first ? character : options.continuingSubwordPrefix() + character;
        return last ? prefixed + options.endOfWordSuffix() : prefixed;
    }

    /** Adds the {@code <0xXX>} tokens of every byte of {@code text}, only if all of them exist. */
    private boolean addByteTokens(String text, IntList symbols) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) {
            if (byteTokenIds[b & 0xFF] == NO_ID) {
                return false;
            }
        }
        for (byte b : utf8) {
            symbols.add(byteTokenIds[b & 0xFF]);
        }
        return true;
    }

    /**
     * Builds the merge table from {@code pairs} in rank order; the merged token is {@code left + right} without
     * the right side's continuing-subword prefix.
     *
     * @throws IllegalArgumentException naming the first merge whose tokens are not in the vocabulary
     */
    static MergeTable mergeTable(Map<String, Integer> vocab, List<String[]> pairs, String continuingSubwordPrefix) {
        MergeTable table = new MergeTable(pairs.size());
        for (int rank = 0; rank < pairs.size(); rank++) {
            String[] pair = pairs.get(rank);
            Integer left = vocab.get(pair[0]);
            Integer right = vocab.get(pair[1]);
            if (left == null || right == null) {
                throw new IllegalArgumentException("merge " + rank + " (\"" + pair[0] + "\" \"" + pair[1]
                        + "\") uses a token missing from the vocab");
            }
            String merged = pair[0] + pair[1].substring(Math.min(continuingSubwordPrefix.length(), pair[1].length()));
            Integer mergedId = vocab.get(merged);
            if (mergedId == null) {
                throw new IllegalArgumentException("merge " + rank + " makes \"" + merged + "\", which is missing from the vocab");
            }
            table.put(left, right, rank, mergedId);
        }
        return table;
    }
}
