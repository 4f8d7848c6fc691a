package ai.jllm.tokenizer;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds added tokens in text with leftmost-longest semantics: the match that starts first wins, and among
 * those the longest. A character trie keyed by {@code node << 16 | char}; a bit set of first characters lets
 * the scan skip positions where no token can start.
 */
final class TokenTrie {

    private static final int NOT_TERMINAL = -1;

    private final Map<Long, Integer> edges = new HashMap<>();
    private final BitSet firstChars = new BitSet(Character.MAX_VALUE + 1);
    private int[] terminalIds = {NOT_TERMINAL};

    /** Tokens in priority order: when two have the same text, the first one keeps it. */
    TokenTrie(List<String> patterns, List<Integer> ids) {
        for (int i = 0; i < patterns.size(); i++) {
            add(patterns.get(i), ids.get(i));
        }
    }

    boolean isEmpty() {
        return firstChars.isEmpty();
    }

    private void add(String pattern, int id) {
        if (pattern.isEmpty()) {
            return;
        }
        firstChars.set(pattern.charAt(0));
        int node = 0;
        for (int i = 0; i < pattern.length(); i++) {
            long key = edgeKey(node, pattern.charAt(i));
            Integer child = edges.get(key);
            if (child == null) {
                child = terminalIds.length;
                terminalIds = java.util.Arrays.copyOf(terminalIds, child + 1);
                terminalIds[child] = NOT_TERMINAL;
                edges.put(key, child);
            }
            node = child;
        }
        if (terminalIds[node] == NOT_TERMINAL) {
            terminalIds[node] = id;
        }
    }

    /** An occurrence of the token {@code id} at {@code [start, end)}. */
    record Match(int start, int end, int id) {}

    /** The leftmost-longest occurrence of a token at or after {@code from}. */
    Optional<Match> find(String text, int from) {
        for (int start = from; start < text.length(); start++) {
            if (!firstChars.get(text.charAt(start))) {
                continue;
            }
            int node = 0;
            Optional<Match> longest = Optional.empty();
            for (int i = start; i < text.length(); i++) {
                Integer child = edges.get(edgeKey(node, text.charAt(i)));
                if (child == null) {
                    break;
                }
                node = child;
                if (terminalIds[node] != NOT_TERMINAL) {
                    longest = Optional.of(new Match(start, i + 1, terminalIds[node]));
                }
            }
            if (longest.isPresent()) {
                return longest;
            }
        }
        return Optional.empty();
    }

    private static long edgeKey(int node, char c) {
        return ((long) node << 16) | c;
    }
}
