package ai.jllm.kvcache;

/**
 * Block copies the engine must run on the device before the next forward: for every layer, copy the keys and values
 * of block {@code sources[i]} into block {@code destinations[i]}. They come from copy-on-write (a forked sequence about
 * to write into a partial block it shares) and are independent of each other: no block is written by one copy and
 * read or written by another, so they can run in one batched kernel.
 */
public record BlockCopies(int[] sources, int[] destinations) {

    public static final BlockCopies NONE = new BlockCopies(new int[0], new int[0]);

    public BlockCopies {
        if (sources.length != destinations.length) {
            throw new IllegalArgumentException("block copies need as many sources as destinations, got "
                    + sources.length + " and " + destinations.length);
        }
    }

    public int size() {
        return sources.length;
    }

    public boolean isEmpty() {
        return sources.length == 0;
    }
}
