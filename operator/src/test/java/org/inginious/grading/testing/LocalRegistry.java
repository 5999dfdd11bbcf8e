package org.inginious.grading.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Docker registry (Debian's {@code docker-registry}) on 127.0.0.1 with a free port and
 * storage in a temp dir. Use it with try-with-resources, or as {@code @RegisterExtension static
 * final LocalRegistry REGISTRY = LocalRegistry.open();} (closed after the class). {@link #stop()}
 * and {@link #start()} keep port and storage.
 */
public final class LocalRegistry implements AutoCloseable, AfterAllCallback {

  private static final Path BINARY = Path.of("/usr/bin/docker-registry");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

  private final Path dir;
  private final Path config;
  private final Path log;
  private final int port;
  private final Optional<String> username;
  private final Optional<String> password;
  private Process process;

  /** A registry without authentication. */
  public static LocalRegistry open() {
    return new LocalRegistry(null, null);
  }

  /** A registry that requires basic auth (htpasswd, bcrypt) with this user and password. */
  public static LocalRegistry withHtpasswd(String username, String password) {
    return new LocalRegistry(username, password);
  }

  private LocalRegistry(String username, String password) {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          BINARY
              + " is missing: tests need Debian's docker-registry package (.ci/run installs it)");
    }
    this.username = Optional.ofNullable(username);
    this.password = Optional.ofNullable(password);
    try {
      dir = Files.createTempDirectory("local-registry-");
      config = dir.resolve("config.yml");
      log = dir.resolve("registry.log");
      port = freePort();
      Files.createDirectories(dir.resolve("storage"));
      Files.writeString(config, config(username != null ? htpasswdFile(username, password) : null));
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare the local registry", e);
    }
    start();
  }

  /** {@code 127.0.0.1:PORT}, the registry part of image references. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public Optional<String> username() {
    return username;
  }

  public Optional<String> password() {
    return password;
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Starts the registry (again) on the same port and storage; returns once /v2/ answers. */
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    try {
      process =
          new ProcessBuilder(BINARY.toString(), "serve", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + BINARY, e);
    }
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("docker-registry exited at start-up:\n" + logText());
      }
      if (answers()) {
        return;
      }
      sleep(20);
    }
    stop();
    throw new IllegalStateException(
        "docker-registry did not answer on "
            + host()
            + " within "
            + READY_TIMEOUT
            + ":\n"
            + logText());
  }

  /** Stops the process; storage and port stay reserved for {@link #start()}. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  @Override
  public synchronized void close() {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp dir is not worth failing a test for
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** The registry's own output, for failure messages. */
  public String logText() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  private boolean answers() {
    try {
      HttpURLConnection c =
          (HttpURLConnection) URI.create("http://" + host() + "/v2/").toURL().openConnection();
      c.setConnectTimeout(200);
      c.setReadTimeout(1000);
      int status = c.getResponseCode(); // 200, or 401 with htpasswd
      c.disconnect();
      return status == 200 || status == 401;
    } catch (IOException e) {
      return false;
    }
  }

  private String config(Path htpasswd) {
    String yaml =
        """
        version: 0.1
        log:
          level: warn
          accesslog:
            disabled: false
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
        """
            .formatted(dir.resolve("storage"), port);
    if (htpasswd != null) {
      yaml +=
          """
          auth:
            htpasswd:
              realm: local-registry
              path: %s
          """
              .formatted(htpasswd);
    }
    return yaml;
  }

  private Path htpasswdFile(String username, String password) throws IOException {
    Path file = dir.resolve("htpasswd");
    Process p;
    try {
      p =
          new ProcessBuilder("htpasswd", "-Bbn", username, password)
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "htpasswd is missing: install apache2-utils (.ci/run does)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IllegalStateException("htpasswd failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    Files.writeString(file, out.strip() + "\n");
    return file;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
