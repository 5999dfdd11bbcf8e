package org.inginious.grading.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads images back from a registry without auth over plain HTTP (the {@link LocalRegistry}): the
 * manifest with its digest as the registry reports it, the config, and layer contents.
 */
public final class RegistryContents {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String ACCEPT =
      String.join(
          ", ",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.oci.image.manifest.v1+json");

  private final HttpClient http = HttpClient.newHttpClient();
  private final String host;

  public RegistryContents(String host) {
    this.host = host;
  }

  /** A manifest and the {@code Docker-Content-Digest} the registry sent with it. */
  public record Manifest(String digest, String mediaType, JsonNode json) {
    public String configDigest() {
      return json.path("config").path("digest").asText();
    }

    public List<String> layerDigests() {
      List<String> digests = new ArrayList<>();
      json.path("layers").forEach(l -> digests.add(l.path("digest").asText()));
      return digests;
    }
  }

  /** One regular file (or directory) of a layer tar. */
  public record LayerEntry(
      String path, int mode, boolean directory, long modifiedEpochSecond, byte[] content) {
    public String text() {
      return new String(content, StandardCharsets.UTF_8);
    }
  }

  public Manifest manifest(String repository, String reference) {
    HttpResponse<byte[]> response = get("/v2/" + repository + "/manifests/" + reference, ACCEPT);
    return new Manifest(
        response.headers().firstValue("Docker-Content-Digest").orElseThrow(),
        response.headers().firstValue("Content-Type").orElse(""),
        json(response.body()));
  }

  /** The image config (with {@code config.Labels}, {@code config.Env}, ...). */
  public JsonNode config(String repository, Manifest manifest) {
    return json(blob(repository, manifest.configDigest()));
  }

  public byte[] blob(String repository, String digest) {
    return get("/v2/" + repository + "/blobs/" + digest, "*/*").body();
  }

  /** Entries of a gzipped layer tar by path ({@code ./} and leading {@code /} stripped). */
  public Map<String, LayerEntry> layer(String repository, String digest) {
    Map<String, LayerEntry> entries = new LinkedHashMap<>();
    try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(blob(repository, digest)));
        TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String path = "/" + e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
        if (path.length() > 1 && path.endsWith("/")) {
          path = path.substring(0, path.length() - 1);
        }
        byte[] content = e.isDirectory() ? new byte[0] : tar.readAllBytes();
        entries.put(
            path,
            new LayerEntry(
                path,
                e.getMode() & 07777,
                e.isDirectory(),
                e.getLastModifiedDate().toInstant().getEpochSecond(),
                content));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read layer " + digest, e);
    }
    return entries;
  }

  private HttpResponse<byte[]> get(String path, String accept) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + host + path))
            .header("Accept", accept)
            .GET()
            .build();
    try {
      HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "GET "
                + request.uri()
                + " -> "
                + response.statusCode()
                + " "
                + new String(response.body(), StandardCharsets.UTF_8));
      }
      return response;
    } catch (IOException e) {
      throw new IllegalStateException("GET " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static JsonNode json(byte[] body) {
    try {
      return MAPPER.readTree(body);
    } catch (IOException e) {
      throw new IllegalStateException("not JSON: " + new String(body, StandardCharsets.UTF_8), e);
    }
  }
}
