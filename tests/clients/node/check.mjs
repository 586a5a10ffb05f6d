// The Node openai client's AzureOpenAI against a live emulator: one line per case,
// "PASS <case>" or "FAIL <case>: <why>". tests/clients/test_clients.py runs it.
//
// Environment: EMULATOR_ENDPOINT, EMULATOR_KEY; EMULATOR_TLS_ENDPOINT, the same emulator over
// HTTPS, for the realtime cases (the client dials wss:// whatever the endpoint says), with its
// CA in NODE_EXTRA_CA_CERTS.
import { AzureOpenAI, NotFoundError, OpenAI, toFile } from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";
// Types only (the package has no runtime code): the content-filter fields Azure adds.
/** @typedef {import("@azure/openai").ContentFilterResultsForPromptOutput} PromptFilter */

const endpoint = process.env.EMULATOR_ENDPOINT;
const apiKey = process.env.EMULATOR_KEY;
const apiVersion = "2025-04-01-preview";
const client = new AzureOpenAI({ endpoint, apiKey, apiVersion, maxRetries: 0 });
const question = [{ role: "user", content: "Name two rivers in Europe." }];

function check(condition, why) {
  if (!condition) throw new Error(why);
}

/** A realtime socket's server events as a queue: `next(type)` waits for the first event of
 * that type and returns every event up to it. */
function events(rt) {
  const queue = [];
  let wake = null;
  let failure = null;
  rt.on("event", (event) => {
    queue.push(event);
    wake?.();
  });
  rt.on("error", (error) => {
    failure = error;
    wake?.();
  });
  rt.socket.on("close", (code) => {
    failure ??= new Error(`socket closed (${code})`);
    wake?.();
  });
  return async function next(type, timeoutMs = 15000) {
    const seen = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (queue.length) {
        const event = queue.shift();
        seen.push(event);
        if (event.type === type) return seen;
      }
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error(`no ${type} (saw ${seen.map((e) => e.type).join(", ")})`);
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
      wake = null;
    }
  };
}

const tlsEndpoint = process.env.EMULATOR_TLS_ENDPOINT;

const cases = {
  async chat() {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o", messages: question })
      .withResponse();
    const answer = data.choices[0].message.content;
    check(typeof answer === "string" && answer.length > 0, "no content");
    check(data.usage.total_tokens === data.usage.prompt_tokens + data.usage.completion_tokens, "usage does not add up");
    check(data.model.startsWith("gpt-4o"), `model ${data.model}`);
    check(response.headers.get("apim-request-id"), "no apim-request-id header");
    /** @type {PromptFilter[]} */
    const filters = data.prompt_filter_results;
    check(filters[0].content_filter_results.hate.severity === "safe", "no prompt filter results");
  },

  async stream() {
    const plain = await client.chat.completions.create({ model: "gpt-4o", messages: question });
    const stream = await client.chat.completions.create({ model: "gpt-4o", messages: question, stream: true });
    let text = "";
    let finish = null;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.delta?.content ?? "";
        finish = choice.finish_reason ?? finish;
      }
    }
    check(text === plain.choices[0].message.content, "streamed text differs from the plain answer");
    check(finish === "stop", `finish_reason ${finish}`);
  },

  async embeddings() {
    // The client asks for base64 and decodes it itself.
    const result = await client.embeddings.create({ model: "text-embedding-3-small", input: ["a river", "a lake"] });
    check(result.data.length === 2, `${result.data.length} vectors`);
    check(result.data[0].embedding.length === 1536, `length ${result.data[0].embedding.length}`);
    const norm = Math.sqrt(result.data[0].embedding.reduce((sum, x) => sum + x * x, 0));
    check(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);
  },

  async image() {
    const b64 = await client.images.generate({ model: "dall-e-3", prompt: "a lighthouse", response_format: "b64_json" });
    const png = Buffer.from(b64.data[0].b64_json, "base64");
    check(png.subarray(1, 4).toString() === "PNG", "not a PNG");
    check(png.readUInt32BE(16) === 1024 && png.readUInt32BE(20) === 1024, "not 1024x1024");
    check(b64.data[0].revised_prompt, "no revised_prompt");
    const linked = await client.images.generate({ model: "dall-e-3", prompt: "a lighthouse" });
    const fetched = await fetch(linked.data[0].url);
    check(fetched.status === 200 && fetched.headers.get("content-type") === "image/png", "the link does not serve a PNG");
  },

  async speech() {
    const response = await client.audio.speech.create({
      model: "tts",
      voice: "alloy",
      input: "Rivers run to the sea.",
      response_format: "wav",
    });
    const wav = Buffer.from(await response.arrayBuffer());
    check(wav.subarray(0, 4).toString() === "RIFF" && wav.subarray(8, 12).toString() === "WAVE", "not a WAV file");
    check(wav.readUInt32LE(24) === 24000, `sample rate ${wav.readUInt32LE(24)}`);
  },

  async transcription() {
    const spoken = await client.audio.speech.create({
      model: "tts",
      voice: "nova",
      input: "Meet me at nine.",
      response_format: "mp3",
    });
    const file = await toFile(Buffer.from(await spoken.arrayBuffer()), "speech.mp3");
    const heard = await client.audio.transcriptions.create({ model: "whisper", file });
    check(heard.text === "Meet me at nine.", `heard ${JSON.stringify(heard.text)}`);
    const srt = await client.audio.transcriptions.create({ model: "whisper", file, response_format: "srt" });
    check(typeof srt === "string" && srt.startsWith("1\n00:00:00,"), "srt is not a subtitle file");
  },

  async audio_chat() {
    // A spoken answer, streamed: transcript deltas, then pcm16 pieces; then heard back.
    const stream = await client.chat.completions.create({
      model: "gpt-4o-audio-preview",
      messages: [{ role: "user", content: "Reply with exactly: 'the river is high'" }],
      modalities: ["text", "audio"],
      audio: { voice: "verse", format: "pcm16" },
      stream: true,
    });
    let transcript = "";
    const pieces = [];
    for await (const chunk of stream) {
      const audio = chunk.choices[0]?.delta?.audio;
      if (!audio) continue;
      transcript += audio.transcript ?? "";
      if (audio.data) pieces.push(Buffer.from(audio.data, "base64"));
    }
    check(transcript === "the river is high", `transcript ${JSON.stringify(transcript)}`);
    const pcm = Buffer.concat(pieces);
    check(pcm.length > 24000 && pcm.length % 2 === 0, `${pcm.length} bytes of pcm16`);
    const spoken = await client.chat.completions.create({
      model: "gpt-4o-audio-preview",
      messages: [{ role: "user", content: "Reply with exactly: 'the river is high'" }],
      modalities: ["text", "audio"],
      audio: { voice: "verse", format: "wav" },
    });
    const heard = await client.chat.completions.create({
      model: "gpt-4o-audio-preview",
      messages: [
        { role: "user", content: [{ type: "input_audio", input_audio: { data: spoken.choices[0].message.audio.data, format: "wav" } }] },
      ],
    });
    check(heard.usage.prompt_tokens_details.audio_tokens > 0, "no audio tokens heard");
  },

  async prediction() {
    const code = "const limit = 10;\nexport function within(x) {\n  return x <= limit;\n}\n";
    const result = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: `Rename limit to ceiling.\n${code}` }],
      prediction: { type: "content", content: code },
    });
    check(result.choices[0].message.content === code.replaceAll("limit", "ceiling"), "the edit was not made");
    const details = result.usage.completion_tokens_details;
    check(details.accepted_prediction_tokens > 0 && details.rejected_prediction_tokens > 0, JSON.stringify(details));
  },

  async completions() {
    const result = await client.completions.create({ model: "gpt-35-turbo-instruct", prompt: "Once upon a time", max_tokens: 12 });
    check(result.choices[0].text.length > 0, "no text");
    check(result.usage.completion_tokens <= 12, "over max_tokens");
  },

  async error() {
    try {
      await client.chat.completions.create({ model: "no-such-deployment", messages: question });
    } catch (error) {
      check(error instanceof NotFoundError, `${error.constructor.name}`);
      check(error.code === "DeploymentNotFound", `code ${error.code}`);
      return;
    }
    throw new Error("no error");
  },

  async responses() {
    // The Responses API on the v1 routes, as the openai client calls them for Azure.
    const v1 = new OpenAI({ baseURL: `${endpoint}/openai/v1/`, apiKey, maxRetries: 0 });
    const first = await v1.responses.create({ model: "gpt-4o", input: "Name a river." });
    check(first.status === "completed" && first.output_text.length > 0, "no answer");
    const second = await v1.responses.create({ model: "gpt-4o", input: "And a lake?", previous_response_id: first.id });
    check(second.usage.input_tokens > first.usage.input_tokens, "the conversation did not continue");
    const kinds = [];
    let text = "";
    for await (const event of await v1.responses.create({ model: "gpt-4o", input: "Name a river.", stream: true })) {
      kinds.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
    }
    check(kinds[0] === "response.created" && kinds.at(-1) === "response.completed", `events ${kinds[0]} … ${kinds.at(-1)}`);
    check(text === first.output_text, "streamed text differs");
  },

  async realtime_text() {
    // The Azure setup: wss://…/openai/realtime?api-version=…&deployment=…, the key in a header.
    const azure = new AzureOpenAI({ endpoint: tlsEndpoint, apiKey, apiVersion });
    const rt = await OpenAIRealtimeWS.azure(azure, { deploymentName: "gpt-realtime" });
    const next = events(rt);
    try {
      const [created] = await next("session.created");
      check(created.session.model === "gpt-realtime", `model ${created.session.model}`);
      const weather = {
        type: "function",
        name: "get_weather",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      };
      rt.send({ type: "session.update", session: { type: "realtime", output_modalities: ["text"], tools: [weather] } });
      await next("session.updated");
      const ask = { type: "input_text", text: "What is the weather in Paris?" };
      rt.send({ type: "conversation.item.create", item: { type: "message", role: "user", content: [ask] } });
      rt.send({ type: "response.create" });
      let seen = await next("response.done");
      const call = seen.at(-1).response.output[0];
      check(call.type === "function_call" && call.name === "get_weather", `output ${call.type}`);
      check(typeof JSON.parse(call.arguments).city === "string", `arguments ${call.arguments}`);
      const output = { type: "function_call_output", call_id: call.call_id, output: '{"temperature": "21 C"}' };
      rt.send({ type: "conversation.item.create", item: output });
      rt.send({ type: "response.create" });
      seen = await next("response.done");
      const text = seen.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta).join("");
      check(text.includes("21 C"), `answer ${text}`);
      check(seen.at(-1).response.output[0].content[0].text === text, "the deltas differ from the answer");
      check(seen.at(-1).response.usage.total_tokens > 0, "no usage");
    } finally {
      rt.close();
    }
  },

  async realtime_audio() {
    // The v1 setup (an OpenAI client on /openai/v1/, the key as a bearer token): an audio turn
    // through server VAD, in 20 ms chunks, answered aloud.
    // Spoken by the emulator that hears it: it knows its own speech.
    const words = "Reply with exactly: 'it is raining'";
    const azure = new AzureOpenAI({ endpoint: tlsEndpoint, apiKey, apiVersion });
    const speech = await azure.audio.speech.create({ model: "tts", voice: "alloy", input: words, response_format: "pcm" });
    const quiet = Buffer.alloc(24000); // half a second of 24 kHz PCM16
    const audio = Buffer.concat([quiet, Buffer.from(await speech.arrayBuffer()), quiet, quiet]);
    const v1 = new OpenAI({ baseURL: `${tlsEndpoint}/openai/v1/`, apiKey });
    const rt = await OpenAIRealtimeWS.create(v1, { model: "gpt-realtime" });
    const next = events(rt);
    try {
      await next("session.created");
      const transcription = { model: "gpt-4o-transcribe" };
      rt.send({ type: "session.update", session: { type: "realtime", audio: { input: { transcription } } } });
      await next("session.updated");
      for (let at = 0; at < audio.length; at += 960) {
        rt.send({ type: "input_audio_buffer.append", audio: audio.subarray(at, at + 960).toString("base64") });
      }
      const seen = await next("response.done");
      const kinds = seen.map((e) => e.type);
      for (const kind of ["input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed"]) {
        check(kinds.includes(kind), `no ${kind}`);
      }
      const heard = seen.find((e) => e.type === "conversation.item.input_audio_transcription.completed");
      check(heard?.transcript === words, `heard ${heard?.transcript}`);
      const done = seen.at(-1).response;
      check(done.output[0].content[0].transcript === "it is raining", `said ${done.output[0].content[0].transcript}`);
      const sound = Buffer.concat(
        seen.filter((e) => e.type === "response.output_audio.delta").map((e) => Buffer.from(e.delta, "base64")),
      );
      check(sound.length > 24000, `${sound.length} bytes of audio`);
      check(done.usage.output_token_details.audio_tokens > 0, "no audio tokens");
    } finally {
      rt.close();
    }
  },

  async throttled() {
    // Two 429s then success: the client's default of two retries gets through.
    const testId = `node-${process.pid}-${Date.now()}`;
    const retrying = new AzureOpenAI({
      endpoint,
      apiKey,
      apiVersion,
      defaultHeaders: { "x-emulator-scenario": "retry-then-succeed", "x-test-id": testId },
    });
    const answer = await retrying.chat.completions.create({ model: "gpt-4o", messages: question });
    check(answer.choices[0].message.content, "no answer after retrying");
    const journal = await (await fetch(`${endpoint}/_emulator/requests?header=x-test-id:${testId}`)).json();
    const statuses = journal.requests.map((entry) => entry.status);
    check(JSON.stringify(statuses) === "[429,429,200]", `statuses ${statuses}`);
  },
};

for (const [name, run] of Object.entries(cases)) {
  try {
    await run();
    console.log(`PASS ${name}`);
  } catch (error) {
    console.log(`FAIL ${name}: ${String(error?.message ?? error).replace(/\s+/g, " ")}`);
  }
}
