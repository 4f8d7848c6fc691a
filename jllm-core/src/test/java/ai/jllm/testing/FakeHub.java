package ai.jllm.testing;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face hub on two loopback ports, answering the way the real one does: the listing API, the
 * resolve endpoint ({@code X-Repo-Commit}, {@code ETag}, for LFS files a 302 to the CDN with
 * {@code X-Linked-Etag} / {@code X-Linked-Size}), {@code X-Error-Code} on failures (401 for unknown
 * repositories asked anonymously, 401/403 for gated ones), relative redirects for renamed repositories,
 * and a CDN that serves ranges and refuses requests carrying an {@code Authorization} header.
 * Tests inject faults per file and read back every request.
 */
public final class FakeHub implements AutoCloseable {

    /** The one token this hub accepts. */
    public static final String VALID_TOKEN = "hf_fake_token_for_tests";

    /** Which of the two servers saw a request. */
    public enum Server { HUB, CDN }

    /** One request as a server saw it. */
    public record Request(Server server, String method, String path, Optional<String> range, boolean authorized) {}

    /** A way for the next transfer of a file to go wrong. */
    public sealed interface Fault {}

    /** Sends the full length in {@code Content-Length}, then only {@code bytes} bytes, then drops the connection. */
    public record DropConnectionAfter(long bytes) implements Fault {}

    /** Sends {@code bytes} bytes, chunked, and ends the body cleanly: a short file with no transport error. */
    public record EndBodyAfter(long bytes) implements Fault {}

    /** Announces and sends only {@code bytes} bytes. */
    public record ShortContentLength(long bytes) implements Fault {}

    /** One repository's commits and branches. */
    public final class Repo {
        private final String id;
        private final boolean gated;
        private final Map<String, Map<String, byte[]>> commits = new ConcurrentHashMap<>();
        private final Map<String, String> branches = new ConcurrentHashMap<>();

        private Repo(String id, boolean gated) {
            this.id = id;
            this.gated = gated;
        }

        /** Adds a commit holding exactly {@code files} (in that order) on {@code main}; returns its hash. */
        public String commit(Map<String, byte[]> files) {
            return commit("main", files);
        }

        /** Adds a commit holding exactly {@code files} on {@code branch}; returns its hash. */
        public String commit(String branch, Map<String, byte[]> files) {
            String sha = hex(digest("SHA-1", (id + "#" + commitCounter.incrementAndGet()).getBytes(StandardCharsets.UTF_8)));
            commits.put(sha, new LinkedHashMap<>(files));
            branches.put(branch, sha);
            return sha;
        }

        private Optional<String> resolve(String revision) {
            return commits.containsKey(revision) ? Optional.of(revision) : Optional.ofNullable(branches.get(revision));
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> renamed = new ConcurrentHashMap<>();
    private final Map<String, CdnObject> cdnObjects = new ConcurrentHashMap<>();
    private final Map<String, Queue<Fault>> faults = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicLong commitCounter = new AtomicLong();

    private record CdnObject(String file, byte[] content) {}

    private FakeHub() throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(loopback, 0);
        cdn = HttpServer.create(loopback, 0);
        hub.createContext("/", exchange -> handle(exchange, Server.HUB));
        cdn.createContext("/", exchange -> handle(exchange, Server.CDN));
        hub.setExecutor(executor);
        cdn.setExecutor(executor);
        hub.start();
        cdn.start();
    }

    public static FakeHub start() {
        try {
            return new FakeHub();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code HF_ENDPOINT} would be. */
    public URI endpoint() {
        return URI.create("http://" + hostAndPort(hub));
    }

    public Repo repo(String id) {
        return repos.computeIfAbsent(id, key -> new Repo(key, false));
    }

    /** A repository whose files need {@link #VALID_TOKEN} (its listing stays public, as on the real hub). */
    public Repo gatedRepo(String id) {
        return repos.computeIfAbsent(id, key -> new Repo(key, true));
    }

    /** Requests for {@code oldId} get a relative redirect to {@code newId}. */
    public void rename(String oldId, String newId) {
        renamed.put(oldId, newId);
    }

    /** The next transfer of {@code file} (a path in a repository) goes wrong as {@code fault} says. */
    public void failNext(String file, Fault fault) {
        faults.computeIfAbsent(file, key -> new ArrayDeque<>()).add(fault);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The GET requests that transferred {@code file}'s bytes, from either server. */
    public List<Request> transfersOf(String file) {
        return requests.stream().filter(request -> request.method().equals("GET"))
                .filter(request -> request.path().endsWith("/" + file)
                        || (request.server() == Server.CDN && cdnFile(request.path()).equals(file)))
                .toList();
    }

    /** Protocol rules the client broke (a token sent to the CDN); a test expects none. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    public void clearRequests() {
        requests.clear();
    }

    /** Stops both servers: from then on the hub is unreachable. */
    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        executor.close();
    }

    /** The hub's ETag for a small file: its git blob id. */
    public static String gitBlobId(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(header, header.length + content.length);
        System.arraycopy(content, 0, all, header.length, content.length);
        return hex(digest("SHA-1", all));
    }

    /** The hub's ETag for an LFS file: its SHA-256. */
    public static String sha256(byte[] content) {
        return hex(digest("SHA-256", content));
    }

    /** Files stored through LFS (and served by the CDN), by extension as a repository's .gitattributes would say. */
    public static boolean isLfs(String file) {
        return file.endsWith(".safetensors") || file.endsWith(".bin") || file.endsWith(".model")
                || file.endsWith(".gguf");
    }

    private void handle(HttpExchange exchange, Server server) throws IOException {
        try (exchange) {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            requests.add(new Request(server, exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    Optional.ofNullable(exchange.getRequestHeaders().getFirst("Range")), auth != null));
            if (server == Server.CDN) {
                serveCdn(exchange, auth);
            } else {
                serveHub(exchange, auth);
            }
        }
    }

    private void serveCdn(HttpExchange exchange, String auth) throws IOException {
        if (auth != null) {
            violations.add("Authorization header sent to the CDN: " + exchange.getRequestURI());
            error(exchange, 400, "InvalidArgument", "Only one auth mechanism allowed");
            return;
        }
        CdnObject object = cdnObjects.get(cdnSha(exchange.getRequestURI().getRawPath()));
        if (object == null) {
            error(exchange, 404, "NoSuchKey", "no such object");
            return;
        }
        serveBytes(exchange, object.file(), object.content());
    }

    private void serveHub(HttpExchange exchange, String auth) throws IOException {
        List<String> segments = Arrays.stream(exchange.getRequestURI().getRawPath().split("/"))
                .filter(segment -> !segment.isEmpty()).toList();
        boolean api = segments.size() == 6 && segments.get(0).equals("api") && segments.get(1).equals("models")
                && segments.get(4).equals("revision");
        boolean resolve = segments.size() >= 5 && segments.get(2).equals("resolve");
        if (!api && !resolve) {
            error(exchange, 404, null, "not a hub endpoint");
            return;
        }
        int idStart = api ? 2 : 0;
        String id = segments.get(idStart) + "/" + segments.get(idStart + 1);
        if (renamed.containsKey(id)) {
            String rawPath = exchange.getRequestURI().getRawPath();
            exchange.getResponseHeaders().set("Location", rawPath.replaceFirst("/" + Pattern.quote(id) + "/",
                    Matcher.quoteReplacement("/" + renamed.get(id) + "/")));
            exchange.sendResponseHeaders(307, -1);
            return;
        }
        boolean validToken = ("Bearer " + VALID_TOKEN).equals(auth);
        Repo repo = repos.get(id);
        if (repo == null) {
            error(exchange, validToken ? 404 : 401, "RepoNotFound", "Repository not found");
            return;
        }
        Optional<String> commit = repo.resolve(decode(segments.get(api ? 5 : 3)));
        if (commit.isEmpty()) {
            error(exchange, 404, "RevisionNotFound", "Invalid rev id");
            return;
        }
        Map<String, byte[]> files = repo.commits.get(commit.get());
        if (api) {
            serveListing(exchange, repo, commit.get(), files);
            return;
        }
        if (repo.gated && !validToken) {
            error(exchange, auth == null ? 401 : 403, "GatedRepo", "Access to model " + id + " is restricted");
            return;
        }
        String file = String.join("/", segments.subList(4, segments.size()).stream().map(FakeHub::decode).toList());
        byte[] content = files.get(file);
        exchange.getResponseHeaders().set("X-Repo-Commit", commit.get());
        if (content == null) {
            error(exchange, 404, "EntryNotFound", "Entry not found");
            return;
        }
        if (isLfs(file)) {
            String sha = sha256(content);
            cdnObjects.put(sha, new CdnObject(file, content));
            exchange.getResponseHeaders().set("X-Linked-Etag", "\"" + sha + "\"");
            exchange.getResponseHeaders().set("X-Linked-Size", Long.toString(content.length));
            exchange.getResponseHeaders().set("ETag", "\"" + gitBlobId(("oid sha256:" + sha).getBytes(StandardCharsets.UTF_8)) + "\"");
            exchange.getResponseHeaders().set("Location",
                    "http://" + hostAndPort(cdn) + "/repos/blobs/" + sha + "?X-Amz-Signature=fake");
            exchange.sendResponseHeaders(302, -1);
            return;
        }
        exchange.getResponseHeaders().set("ETag", "W/\"" + gitBlobId(content) + "\"");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Long.toString(content.length));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        serveBytes(exchange, file, content);
    }

    private static void serveListing(HttpExchange exchange, Repo repo, String commit, Map<String, byte[]> files)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", repo.id);
        root.put("sha", commit);
        root.put("private", false);
        if (repo.gated) {
            root.put("gated", "manual");
        } else {
            root.put("gated", false);
        }
        ArrayNode siblings = root.putArray("siblings");
        files.keySet().forEach(file -> siblings.addObject().put("rfilename", file));
        byte[] body = JSON.writeValueAsBytes(root);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private void serveBytes(HttpExchange exchange, String file, byte[] content) throws IOException {
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Long.toString(content.length));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        int start = 0;
        String range = exchange.getRequestHeaders().getFirst("Range");
        if (range != null) {
            Matcher matcher = RANGE.matcher(range);
            if (!matcher.matches()) {
                error(exchange, 400, null, "unsupported range " + range);
                return;
            }
            start = Integer.parseInt(matcher.group(1));
            if (start >= content.length) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                exchange.sendResponseHeaders(416, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Range",
                    "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
        }
        exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
        int status = range == null ? 200 : 206;
        byte[] body = Arrays.copyOfRange(content, start, content.length);
        Queue<Fault> pending = faults.get(file);
        Fault fault = pending == null ? null : pending.poll();
        OutputStream out = exchange.getResponseBody();
        switch (fault) {
            case null -> {
                exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
                out.write(body);
            }
            case DropConnectionAfter drop -> {
                exchange.sendResponseHeaders(status, body.length);
                out.write(body, 0, (int) Math.min(drop.bytes(), body.length));
                out.flush();
                // Closing the exchange short of Content-Length makes the server drop the connection.
            }
            case EndBodyAfter end -> {
                exchange.sendResponseHeaders(status, 0);
                out.write(body, 0, (int) Math.min(end.bytes(), body.length));
            }
            case ShortContentLength shortLength -> {
                int length = (int) Math.min(shortLength.bytes(), body.length);
                exchange.sendResponseHeaders(status, length);
                out.write(body, 0, length);
            }
        }
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        if (code != null) {
            exchange.getResponseHeaders().set("X-Error-Code", code);
        }
        exchange.getResponseHeaders().set("X-Error-Message", message);
        byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private String cdnFile(String rawPath) {
        CdnObject object = cdnObjects.get(cdnSha(rawPath));
        return object == null ? "" : object.file();
    }

    private static String cdnSha(String rawPath) {
        return rawPath.substring(rawPath.lastIndexOf('/') + 1);
    }

    private static String hostAndPort(HttpServer server) {
        return server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static byte[] digest(String algorithm, byte[] content) {
        try {
            return MessageDigest.getInstance(algorithm).digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
