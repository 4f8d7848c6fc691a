package ai.jllm.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The added tokens and how they cut the input. Ids are assigned the way the Hugging Face library assigns them
 * when it loads a file: a token already in the model vocabulary keeps that id, a new one gets the next id after
 * the model's vocabulary (the ids written in the file are only checked there, not used).
 */
final class AddedVocabulary {

    /** Receives the input in order: stretches of text between added tokens, and the added tokens. */
    interface Sink {
        /** A non-empty stretch starting at {@code start} of the text being split. */
        void text(String text, int start);

        void token(int id);
    }

    private final Map<String, Integer> idsByContent = new HashMap<>();
    private final Map<Integer, AddedToken> tokensById = new HashMap<>();
    private final Set<String> specialContents = new HashSet<>();
    /** Matched against the raw input. */
    private final TokenTrie rawTrie;
    /** Matched against the normalized text ({@code normalized: true}), by their normalized content. */
    private final TokenTrie normalizedTrie;

    AddedVocabulary(List<AddedToken> tokens, BpeModel model, Optional<Normalizer> normalizer) {
        List<AddedToken> special = new ArrayList<>();
        for (AddedToken token : tokens) {
            if (token.special() && !token.content().isEmpty() && specialContents.add(token.content())) {
                special.add(token);
            }
        }
        List<AddedToken> classic = new ArrayList<>();
        for (AddedToken token : tokens) {
            if (token.content().isEmpty() || tokensById.containsValue(token)) {
                continue;
            }
            int id = idsByContent.containsKey(token.content()) ? idsByContent.get(token.content())
                    : model.tokenToId(token.content()).orElseGet(() -> nextId(model.vocabSize()));
            idsByContent.put(token.content(), id);
            tokensById.put(id, token);
            if (!specialContents.contains(token.content())) {
                classic.add(token);
            }
        }
        Map<String, Integer> raw = new LinkedHashMap<>();
        Map<String, Integer> normalized = new LinkedHashMap<>();
        for (AddedToken token : concat(special, classic)) {
            int id = idsByContent.get(token.content());
            if (token.normalized()) {
                String content = normalizer.map(n -> n.normalize(token.content())).orElse(token.content());
                normalized.putIfAbsent(content, id);
            } else {
                raw.putIfAbsent(token.content(), id);
            }
        }
        rawTrie = new TokenTrie(List.copyOf(raw.keySet()), List.copyOf(raw.values()));
        normalizedTrie = new TokenTrie(List.copyOf(normalized.keySet()), List.copyOf(normalized.values()));
    }

    private int nextId(int modelVocabSize) {
        int max = idsByContent.values().stream().mapToInt(Integer::intValue).max().orElse(modelVocabSize - 1);
        return max >= modelVocabSize || modelVocabSize == 0 ? max + 1 : modelVocabSize;
    }

    private static List<AddedToken> concat(List<AddedToken> first, List<AddedToken> second) {
        List<AddedToken> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    OptionalInt tokenToId(String content) {
        Integer id = idsByContent.get(content);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    Optional<String> idToToken(int id) {
        return Optional.ofNullable(tokensById.get(id)).map(AddedToken::content);
    }

    boolean isSpecial(String content) {
        return specialContents.contains(content);
    }

    OptionalInt maxId() {
        return tokensById.keySet().stream().mapToInt(Integer::intValue).max();
    }

    boolean hasNormalizedTokens() {
        return !normalizedTrie.isEmpty();
    }

    /** Cuts the raw input around the tokens that are not {@code normalized}. */
    void splitRaw(String text, Sink sink) {
        split(text, rawTrie, sink);
    }

    /** Cuts normalized text around the {@code normalized} tokens. */
    void splitNormalized(String text, Sink sink) {
        split(text, normalizedTrie, sink);
    }

    private void split(String text, TokenTrie trie, Sink sink) {
        int textStart = 0;
        int searchFrom = 0;
        Optional<TokenTrie.Match> match;
        while (!trie.isEmpty() && (match = trie.find(text, searchFrom)).isPresent()) {
            int start = match.get().start();
            int stop = match.get().end();
            int id = match.get().id();
            // Like the library's matcher, the search resumes after the match itself, whatever stripping adds.
            searchFrom = stop;
            AddedToken token = tokensById.get(id);
            if (token.singleWord() && !standsAlone(text, start, stop)) {
                continue;
            }
            if (token.lstrip()) {
                start = Math.max(whiteSpaceRunStart(text, start), textStart);
            }
            if (token.rstrip()) {
                stop = whiteSpaceRunEnd(text, stop);
            }
            if (textStart < start) {
                sink.text(text.substring(textStart, start), textStart);
            }
            sink.token(id);
            textStart = stop;
        }
        if (textStart < text.length()) {
            sink.text(textStart == 0 ? text : text.substring(textStart), textStart);
        }
    }

    private static boolean standsAlone(String text, int start, int stop) {
        boolean wordBefore = start > 0 && UnicodeClasses.isRustWordCharacter(text.codePointBefore(start));
        boolean wordAfter = stop < text.length() && UnicodeClasses.isRustWordCharacter(text.codePointAt(stop));
        return !wordBefore && !wordAfter;
    }

    private static int whiteSpaceRunStart(String text, int end) {
        int start = end;
        while (start > 0 && UnicodeClasses.isWhiteSpace(text.codePointBefore(start))) {
            start -= Character.charCount(text.codePointBefore(start));
        }
        return start;
    }

    private static int whiteSpaceRunEnd(String text, int start) {
        int end = start;
        while (end < text.length() && UnicodeClasses.isWhiteSpace(text.codePointAt(end))) {
            end += Character.charCount(text.codePointAt(end));
        }
        return end;
    }
}
