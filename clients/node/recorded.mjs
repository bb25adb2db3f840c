// Recorded vendor streams replayed as the upstream (tests/Recordings, sources in its SOURCES.md): each client API runs a
// tool loop through Candor against each recording, and what it sees must equal what the recording carries: the text,
// the tool calls and their arguments, the finish reason and the usage, token for token (never invented).
//
// A recording is numbered answers: 1 answers the first request of the loop, 2 the request after the tool result.
// What each answer carries is read here from the recorded bytes themselves, independently of Candor's codecs.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

// ---------------------------------------------------------------- what a recording carries

/** The events of one recorded answer: a .sse body's data lines, or a .chunks.txt file's lines. */
function recordedEvents(file) {
  const text = readFileSync(file, 'utf8');
  const lines = file.endsWith('.sse')
    ? text.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim())
    : text.split('\n').filter((l) => l.trim().length > 0);
  return lines.filter((l) => l !== '[DONE]').map((l) => JSON.parse(l));
}

const canonicalFinish = (hasCalls, reason) => (hasCalls ? 'tool' : ['stop', 'end_turn', 'STOP', 'completed'].includes(reason) ? 'stop' : reason);

const readers = {
  openai(events) {
    let text = '';
    const calls = [];
    let finish;
    let usage;
    for (const e of events) {
      const choice = e.choices?.[0];
      if (choice) {
        text += choice.delta?.content ?? '';
        for (const t of choice.delta?.tool_calls ?? []) {
          const c = (calls[t.index] ??= { name: '', args: '' });
          c.name += t.function?.name ?? '';
          c.args += t.function?.arguments ?? '';
        }
        finish = choice.finish_reason ?? finish;
      }
      if (e.usage) usage = { input: e.usage.prompt_tokens, output: e.usage.completion_tokens };
    }
    const toolCalls = calls.map((c) => ({ name: c.name, args: JSON.parse(c.args || '{}') }));
    return { text, toolCalls, finish: canonicalFinish(toolCalls.length > 0, finish), usage };
  },
  anthropic(events) {
    let text = '';
    const blocks = [];
    let finish;
    let input = 0;
    let output = 0;
    const inputOf = (u) => (u.input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);
    for (const e of events) {
      if (e.type === 'message_start') { input = inputOf(e.message.usage); output = e.message.usage.output_tokens ?? 0; }
      if (e.type === 'content_block_start') blocks[e.index] = { ...e.content_block, json: '' };
      if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
      if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') blocks[e.index].json += e.delta.partial_json;
      if (e.type === 'message_delta') {
        finish = e.delta.stop_reason ?? finish;
        if (e.usage.input_tokens !== undefined) input = inputOf(e.usage);
        output = e.usage.output_tokens ?? output;
      }
    }
    const toolCalls = blocks.filter((b) => b?.type === 'tool_use').map((b) => ({ name: b.name, args: JSON.parse(b.json || '{}') }));
    return { text, toolCalls, finish: canonicalFinish(toolCalls.length > 0, finish), usage: { input, output } };
  },
  'openai-responses'(events) {
    const response = events.find((e) => e.type === 'response.completed').response;
    const text = response.output.filter((i) => i.type === 'message').flatMap((i) => i.content).filter((p) => p.type === 'output_text').map((p) => p.text).join('');
    const toolCalls = response.output.filter((i) => i.type === 'function_call').map((i) => ({ name: i.name, args: JSON.parse(i.arguments || '{}') }));
    return { text, toolCalls, finish: canonicalFinish(toolCalls.length > 0, response.status), usage: { input: response.usage.input_tokens, output: response.usage.output_tokens } };
  },
  gemini(events) {
    let text = '';
    const toolCalls = [];
    let finish;
    let usage;
    for (const e of events) {
      const candidate = e.candidates?.[0];
      for (const p of candidate?.content?.parts ?? []) {
        if (p.text && !p.thought) text += p.text;
        if (p.functionCall) toolCalls.push({ name: p.functionCall.name, args: p.functionCall.args ?? {} });
      }
      finish = candidate?.finishReason ?? finish;
      if (e.usageMetadata) usage = { input: e.usageMetadata.promptTokenCount, output: (e.usageMetadata.candidatesTokenCount ?? 0) + (e.usageMetadata.thoughtsTokenCount ?? 0) };
    }
    return { text, toolCalls, finish: canonicalFinish(toolCalls.length > 0, finish), usage };
  },
};

/** The recording's answers in order, each as what it carries. */
export function recordedTurns(directory, wire) {
  return readdirSync(directory)
    .filter((f) => /^\d+\.(sse|chunks\.txt)$/.test(f))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((f) => readers[wire](recordedEvents(join(directory, f))));
}

// ---------------------------------------------------------------- what each client sees

const toolFor = (name) => ({ name, description: 'Recorded tool', schema: { type: 'object', properties: {} } });

/** One client API: run(model, tool name) yields what the client sees per turn, the second turn after the tool results. */
export function recordedClients({ openai, anthropic, genai, drain }) {
  return {
    'openai chat': async function* (model, tool) {
      const t = toolFor(tool);
      const tools = [{ type: 'function', function: { name: t.name, description: t.description, parameters: t.schema } }];
      const messages = [{ role: 'user', content: 'Go.' }];
      for (;;) {
        const stream = await openai.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages, tools });
        let text = '';
        const calls = [];
        let finish;
        let usage;
        for await (const chunk of stream) {
          const choice = chunk.choices[0];
          if (choice) {
            text += choice.delta?.content ?? '';
            for (const c of choice.delta?.tool_calls ?? []) {
              const call = (calls[c.index] ??= { id: '', name: '', args: '' });
              call.id += c.id ?? '';
              call.name += c.function?.name ?? '';
              call.args += c.function?.arguments ?? '';
            }
            finish = choice.finish_reason ?? finish;
          }
          if (chunk.usage) usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
        }
        // The arguments must be JSON as the SDK's helpers parse them ("{}" for a call without arguments).
        yield { text, toolCalls: calls.map((c) => ({ name: c.name, args: JSON.parse(c.args) })), finish: finish === 'tool_calls' ? 'tool' : finish, usage };
        messages.push({ role: 'assistant', content: text || null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) },
          ...calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: 'done' })));
      }
    },
    'openai responses': async function* (model, tool) {
      const t = toolFor(tool);
      const tools = [{ type: 'function', name: t.name, description: t.description, parameters: t.schema, strict: false }];
      const input = [{ role: 'user', content: 'Go.' }];
      for (;;) {
        const response = await openai.responses.stream({ model, input, tools, store: false }).finalResponse();
        const calls = response.output.filter((i) => i.type === 'function_call');
        yield {
          text: response.output_text, toolCalls: calls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) })),
          finish: calls.length > 0 ? 'tool' : response.status === 'completed' ? 'stop' : response.status,
          usage: { input: response.usage?.input_tokens, output: response.usage?.output_tokens },
        };
        input.push(...response.output, ...calls.map((c) => ({ type: 'function_call_output', call_id: c.call_id, output: 'done' })));
      }
    },
    'anthropic messages': async function* (model, tool) {
      const t = toolFor(tool);
      const tools = [{ name: t.name, description: t.description, input_schema: t.schema }];
      const messages = [{ role: 'user', content: 'Go.' }];
      for (;;) {
        const message = await anthropic.messages.stream({ model, max_tokens: 1024, messages, tools }).finalMessage();
        const calls = message.content.filter((b) => b.type === 'tool_use');
        const u = message.usage;
        yield {
          text: message.content.filter((b) => b.type === 'text').map((b) => b.text).join(''),
          toolCalls: calls.map((c) => ({ name: c.name, args: c.input })),
          finish: message.stop_reason === 'tool_use' ? 'tool' : message.stop_reason === 'end_turn' ? 'stop' : message.stop_reason,
          usage: { input: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0), output: u.output_tokens },
        };
        messages.push({ role: 'assistant', content: message.content },
          { role: 'user', content: calls.map((c) => ({ type: 'tool_result', tool_use_id: c.id, content: 'done' })) });
      }
    },
    genai: async function* (model, tool) {
      const t = toolFor(tool);
      const config = { tools: [{ functionDeclarations: [{ name: t.name, description: t.description, parametersJsonSchema: t.schema }] }] };
      const contents = [{ role: 'user', parts: [{ text: 'Go.' }] }];
      for (;;) {
        const chunks = await drain(await genai.models.generateContentStream({ model, contents, config }));
        const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
        const calls = parts.filter((p) => p.functionCall).map((p) => p.functionCall);
        const reason = chunks.map((c) => c.candidates?.[0]?.finishReason).filter(Boolean).at(-1);
        const u = chunks.map((c) => c.usageMetadata).filter(Boolean).at(-1);
        yield {
          text: parts.filter((p) => p.text && !p.thought).map((p) => p.text).join(''),
          toolCalls: calls.map((c) => ({ name: c.name, args: c.args ?? {} })),
          finish: calls.length > 0 ? 'tool' : reason === 'STOP' ? 'stop' : reason,
          usage: { input: u?.promptTokenCount, output: (u?.candidatesTokenCount ?? 0) + (u?.thoughtsTokenCount ?? 0) },
        };
        contents.push({ role: 'model', parts },
          { role: 'user', parts: calls.map((c) => ({ functionResponse: { id: c.id, name: c.name, response: { result: 'done' } } })) });
      }
    },
  };
}

/** Which client APIs reach a recorded wire: Candor sends only the Responses API to a Responses upstream (every other
 * surface reaches an openai-responses channel through chat completions). */
export const reaches = (client, wire) => wire !== 'openai-responses' || client === 'openai responses';

/** Runs the client's loop over every recorded answer and compares each turn with the recording. */
export async function checkRecorded(run, model, turns) {
  const tool = turns.flatMap((t) => t.toolCalls)[0]?.name ?? 'unused_tool';
  const seen = run(model, tool);
  for (const [i, expected] of turns.entries()) {
    const { value: actual } = await seen.next();
    for (const key of ['text', 'toolCalls', 'finish', 'usage']) {
      if (!isDeepStrictEqual(actual[key], expected[key])) {
        throw new Error(`turn ${i + 1} ${key}: saw ${JSON.stringify(actual[key])?.slice(0, 160)}, recorded ${JSON.stringify(expected[key])?.slice(0, 160)}`);
      }
    }
  }
  await seen.return();
}
