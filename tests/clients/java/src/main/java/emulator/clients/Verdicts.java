package emulator.clients;

import java.util.Map;

/** Runs each case and prints "PASS case" or "FAIL case: why", in order. */
final class Verdicts {
    interface Case<C> {
        void run(C client) throws Exception;
    }

    private Verdicts() {}

    static <C> void run(C client, Map<String, Case<C>> cases) {
        for (var entry : cases.entrySet()) {
            try {
                entry.getValue().run(client);
                System.out.println("PASS " + entry.getKey());
            } catch (Exception e) {
                System.out.println("FAIL " + entry.getKey() + ": " + String.valueOf(e.getMessage()).replaceAll("\\s+", " "));
            }
        }
        System.exit(0);
    }
}
