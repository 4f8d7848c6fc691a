package ai.jllm.hub;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers every download event, to check the order and the byte counts a progress display would see. */
final class RecordingListener implements DownloadListener {

    final List<String> events = new CopyOnWriteArrayList<>();
    final Map<String, Long> totals = new ConcurrentHashMap<>();
    final Map<String, Long> advanced = new ConcurrentHashMap<>();
    final Map<String, Long> firstAdvance = new ConcurrentHashMap<>();

    @Override
    public void started(String file, long totalBytes) {
        events.add("started " + file);
        totals.put(file, totalBytes);
    }

    @Override
    public void advanced(String file, long bytes) {
        firstAdvance.putIfAbsent(file, bytes);
        advanced.merge(file, bytes, Long::sum);
    }

    @Override
    public void finished(String file) {
        events.add("finished " + file);
    }
}
