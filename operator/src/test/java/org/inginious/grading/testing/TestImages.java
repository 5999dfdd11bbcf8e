package org.inginious.grading.testing;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Pushes tiny images (FROM scratch, one small file) to a local registry with jib-core. */
public final class TestImages {

  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

  private TestImages() {}

  /** Pushes {@code host/repository:tag} with these labels; returns the manifest digest. */
  public static String push(
      String host, String repository, String tag, Map<String, String> labels) {
    return push(host, repository, tag, labels, Optional.empty(), Optional.empty());
  }

  /** Same, with basic-auth credentials for the registry. */
  public static String push(
      String host,
      String repository,
      String tag,
      Map<String, String> labels,
      String username,
      String password) {
    return push(host, repository, tag, labels, Optional.of(username), Optional.of(password));
  }

  /**
   * Pushes one image for several platforms: jib writes a manifest list, and the digest returned is
   * that of the list. Every platform gets the same labels.
   */
  public static String pushMultiPlatform(
      String host,
      String repository,
      String tag,
      Map<String, String> labels,
      Set<Platform> platforms) {
    return build(host, repository, tag, labels, platforms, Optional.empty(), Optional.empty());
  }

  /**
   * Pushes one jib image per architecture ({@code tag-arch}, each with its own labels), then an OCI
   * index {@code host/repository:tag} over them; returns the index digest. No auth.
   */
  public static String pushIndex(
      String host, String repository, String tag, Map<String, Map<String, String>> labelsByArch) {
    HttpClient http = HttpClient.newHttpClient();
    StringBuilder manifests = new StringBuilder();
    for (Map.Entry<String, Map<String, String>> e : labelsByArch.entrySet()) {
      String arch = e.getKey();
      String digest =
          build(
              host,
              repository,
              tag + "-" + arch,
              e.getValue(),
              Set.of(new Platform(arch, "linux")),
              Optional.empty(),
              Optional.empty());
      HttpResponse<Void> head =
          send(
              http,
              HttpRequest.newBuilder(manifestUri(host, repository, digest))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .header(
                      "Accept",
                      "application/vnd.oci.image.manifest.v1+json, "
                          + "application/vnd.docker.distribution.manifest.v2+json")
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      String mediaType = head.headers().firstValue("Content-Type").orElseThrow();
      long size = head.headers().firstValueAsLong("Content-Length").orElseThrow();
      if (manifests.length() > 0) {
        manifests.append(',');
      }
      manifests.append(
          """
          {"mediaType":"%s","digest":"%s","size":%d,"platform":{"architecture":"%s","os":"linux"}}"""
              .formatted(mediaType, digest, size, arch));
    }
    String index =
        """
        {"schemaVersion":2,"mediaType":"%s","manifests":[%s]}"""
            .formatted(OCI_INDEX, manifests);
    HttpResponse<String> put =
        send(
            http,
            HttpRequest.newBuilder(manifestUri(host, repository, tag))
                .PUT(HttpRequest.BodyPublishers.ofString(index, StandardCharsets.UTF_8))
                .header("Content-Type", OCI_INDEX)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (put.statusCode() != 201) {
      throw new IllegalStateException(
          "pushing the index failed: " + put.statusCode() + " " + put.body());
    }
    return put.headers().firstValue("Docker-Content-Digest").orElseThrow();
  }

  /** The Content-Type a registry without auth serves for a manifest (tag or digest). */
  public static String manifestMediaType(String host, String repository, String reference) {
    HttpResponse<Void> head =
        send(
            HttpClient.newHttpClient(),
            HttpRequest.newBuilder(manifestUri(host, repository, reference))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header(
                    "Accept",
                    String.join(
                        ", ",
                        OCI_INDEX,
                        "application/vnd.docker.distribution.manifest.list.v2+json",
                        "application/vnd.oci.image.manifest.v1+json",
                        "application/vnd.docker.distribution.manifest.v2+json"))
                .build(),
            HttpResponse.BodyHandlers.discarding());
    return head.headers().firstValue("Content-Type").orElseThrow();
  }

  private static String push(
      String host,
      String repository,
      String tag,
      Map<String, String> labels,
      Optional<String> username,
      Optional<String> password) {
    return build(
        host, repository, tag, labels, Set.of(new Platform("amd64", "linux")), username, password);
  }

  private static String build(
      String host,
      String repository,
      String tag,
      Map<String, String> labels,
      Set<Platform> platforms,
      Optional<String> username,
      Optional<String> password) {
    Path work = null;
    try {
      work = Files.createTempDirectory("test-image-");
      Path file = work.resolve("hello.txt");
      Files.writeString(file, "hello from " + repository + ":" + tag + "\n");
      JibContainerBuilder builder =
          Jib.fromScratch()
              .addFileEntriesLayer(
                  FileEntriesLayer.builder()
                      .addEntry(file, AbsoluteUnixPath.get("/hello.txt"))
                      .build())
              .setLabels(new LinkedHashMap<>(labels))
              .setPlatforms(platforms)
              .setCreationTime(Instant.EPOCH);
      RegistryImage target = RegistryImage.named(host + "/" + repository + ":" + tag);
      if (username.isPresent()) {
        // jib drops credentials on plain HTTP unless this (JVM-wide) property is set; tests only
        // talk to 127.0.0.1, so that is harmless here.
        System.setProperty("sendCredentialsOverHttp", "true");
        target.addCredential(username.get(), password.orElseThrow());
      }
      Containerizer containerizer =
          Containerizer.to(target)
              .setAllowInsecureRegistries(true)
              // Both caches explicitly: jib writes to ~/.cache otherwise.
              .setBaseImageLayersCache(work.resolve("base-cache"))
              .setApplicationLayersCache(work.resolve("app-cache"))
              .setToolName("grading-environment-operator-tests");
      return builder.containerize(containerizer).getDigest().toString();
    } catch (Exception e) {
      throw new IllegalStateException(
          "pushing " + host + "/" + repository + ":" + tag + " failed: " + e, e);
    } finally {
      deleteQuietly(work);
    }
  }

  private static URI manifestUri(String host, String repository, String reference) {
    return URI.create("http://" + host + "/v2/" + repository + "/manifests/" + reference);
  }

  private static <T> HttpResponse<T> send(
      HttpClient http, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw new IllegalStateException(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // temp leftovers only
    }
  }
}
