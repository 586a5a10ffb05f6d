package emulator.clients;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The statuses the emulator's journal recorded for one test id, oldest first. */
final class Journal {
    private static final Pattern STATUS = Pattern.compile("\"status\":\\s*(\\d+)");

    private Journal() {}

    static String statuses(String endpoint, String testId) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint + "/_emulator/requests?header=x-test-id:" + testId)).build();
        String body = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
        List<Integer> found = new ArrayList<>();
        Matcher matcher = STATUS.matcher(body);
        while (matcher.find()) {
            found.add(Integer.parseInt(matcher.group(1)));
        }
        return found.toString();
    }

    /** Fails unless the journal holds two 429s then a 200 for testId: retried to success. */
    static void retried(String endpoint, String testId) throws Exception {
        String found = statuses(endpoint, testId);
        if (!found.equals("[429, 429, 200]")) {
            throw new IllegalStateException("statuses " + found);
        }
    }
}
