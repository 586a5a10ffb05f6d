// The Node openai client's AzureOpenAI against a live emulator: one line per case,
// "PASS <case>" or "FAIL <case>: <why>". tests/clients/test_clients.py runs it.
//
// Environment: EMULATOR_ENDPOINT, EMULATOR_KEY.
import { AzureOpenAI, NotFoundError, OpenAI, toFile } from "openai";
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
