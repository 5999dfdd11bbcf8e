package org.inginious.grading.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RuntimeInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's one HTTP port (8081, named {@code http} in the chart), on the JDK's HTTP server:
 *
 * <ul>
 *   <li>{@code /healthz} (liveness, startup): 200 while the process runs and, once started, every
 *       informer is healthy; 503 once the operator stopped or an informer is unhealthy.
 *   <li>{@code /readyz} (readiness): 200 once the informers have synced, on the leader and on a
 *       standby replica waiting for the Lease alike (a standby must count as ready, or a rolling
 *       update of two replicas never completes); 503 with the reason otherwise.
 *   <li>{@code /metrics}: {@link OperatorMetrics} in Prometheus text format.
 * </ul>
 *
 * Start it before {@link Operator#start()} (which blocks until the informers are synced), so the
 * probes answer during start-up.
 */
public final class OperatorHttpServer implements AutoCloseable {
  public static final int DEFAULT_PORT = 8081;
  private static final Logger LOG = LoggerFactory.getLogger(OperatorHttpServer.class);
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String PLAIN_TEXT = "text/plain; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final Operator operator;
  private final OperatorMetrics metrics;
  private final LeaderElection leaderElection;
  private volatile boolean seenStarted;

  /** On all interfaces (in a pod). */
  public OperatorHttpServer(
      int port, Operator operator, OperatorMetrics metrics, LeaderElection leaderElection) {
    this(new InetSocketAddress(port), operator, metrics, leaderElection);
  }

  /**
   * @param address port 0 = an ephemeral port (tests), see {@link #port()}
   * @param leaderElection null when leader election is off
   */
  public OperatorHttpServer(
      InetSocketAddress address,
      Operator operator,
      OperatorMetrics metrics,
      LeaderElection leaderElection) {
    this.operator = Objects.requireNonNull(operator, "operator");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.leaderElection = leaderElection;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + address, e);
    }
    AtomicInteger threads = new AtomicInteger();
    executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "http-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  public OperatorHttpServer start() {
    server.start();
    LOG.info("/healthz, /readyz and /metrics on port {}", port());
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** An HTTP answer: status code and a short text body. */
  record Answer(int status, String body) {
    static Answer ok(String body) {
      return new Answer(200, body);
    }

    static Answer unavailable(String body) {
      return new Answer(503, body);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, new Answer(405, "method not allowed\n"), PLAIN_TEXT);
        return;
      }
      switch (exchange.getRequestURI().getPath()) {
        case "/healthz" -> send(exchange, liveness(), PLAIN_TEXT);
        case "/readyz" -> send(exchange, readiness(), PLAIN_TEXT);
        case "/metrics" -> send(exchange, new Answer(200, metrics.scrape()), PROMETHEUS_TEXT);
        default ->
            send(
                exchange,
                new Answer(404, "not found: try /healthz, /readyz or /metrics\n"),
                PLAIN_TEXT);
      }
    } catch (RuntimeException e) {
      LOG.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
    }
  }

  private static void send(HttpExchange exchange, Answer answer, String contentType)
      throws IOException {
    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(answer.status(), head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Liveness: alive while starting (the start-up probe and cache-sync timeout bound that). */
  Answer liveness() {
    RuntimeInfo info = operator.getRuntimeInfo();
    if (!info.isStarted()) {
      return seenStarted ? Answer.unavailable("operator stopped\n") : Answer.ok("ok: starting\n");
    }
    seenStarted = true;
    String unhealthy = unhealthyEventSources(info);
    return unhealthy.isEmpty()
        ? Answer.ok("ok\n")
        : Answer.unavailable("unhealthy event sources: " + unhealthy + "\n");
  }

  /** Readiness: informers synced and healthy; a standby waiting for the Lease is ready too. */
  Answer readiness() {
    RuntimeInfo info = operator.getRuntimeInfo();
    if (!info.isStarted()) {
      return seenStarted
          ? Answer.unavailable("not ready: operator stopped\n")
          : Answer.unavailable("not ready: starting, informers not synced yet\n");
    }
    seenStarted = true;
    String unhealthy = unhealthyEventSources(info);
    if (!unhealthy.isEmpty()) {
      return Answer.unavailable("not ready: unhealthy event sources: " + unhealthy + "\n");
    }
    return Answer.ok(
        "ready" + (leaderElection == null ? "" : ": " + leaderElection.describe()) + "\n");
  }

  /** "controller/source=STATUS, ..." or empty when all are healthy. */
  private static String unhealthyEventSources(RuntimeInfo info) {
    if (info.allEventSourcesAreHealthy()) {
      return "";
    }
    Map<String, String> byName = new TreeMap<>();
    info.unhealthyEventSources()
        .forEach(
            (controller, sources) ->
                sources.forEach(
                    (source, indicator) ->
                        byName.put(
                            controller + "/" + source, String.valueOf(indicator.getStatus()))));
    return byName.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
  }
}
