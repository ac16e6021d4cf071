/**
 * Questions from a worker of `serve --processes N` to its primary, over node:cluster's IPC channel:
 * what must be known across all workers (everyone's metrics, shared rate-limit counts) is answered
 * by the primary, which alone sees every worker.
 */
import cluster from 'node:cluster';

const QUESTION = 'klarna-local:question';
const ANSWER = 'klarna-local:answer';

interface Question {
  type: typeof QUESTION;
  topic: string;
  id: number;
  payload: unknown;
}

interface Answer {
  type: typeof ANSWER;
  id: number;
  value?: unknown;
  error?: string;
}

const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let nextId = 0;
let listening = false;

/** In a worker: asks the primary about `topic`; rejects when it answers with an error or not within `timeoutMs`. */
export function askPrimary<T>(topic: string, payload: unknown, timeoutMs: number): Promise<T> {
  if (!listening) {
    listening = true;
    process.on('message', (message: Partial<Answer> | null) => {
      if (message?.type !== ANSWER || message.id === undefined) return;
      const question = waiting.get(message.id);
      if (!question) return;
      waiting.delete(message.id);
      if (message.error === undefined) question.resolve(message.value);
      else question.reject(new Error(message.error));
    });
  }
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`the primary process did not answer about ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    waiting.set(id, {
      resolve: (value) => {
        clearTimeout(timer);
        resolve(value as T);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    const question: Question = { type: QUESTION, topic, id, payload };
    process.send?.(question);
  });
}

/** In the primary: answers the workers' questions about `topic`. */
export function answerWorkers(topic: string, answer: (payload: unknown) => unknown): void {
  cluster.on('message', (worker, message: Partial<Question> | null) => {
    if (message?.type !== QUESTION || message.topic !== topic || message.id === undefined) return;
    const id = message.id;
    const reply = (fields: Omit<Answer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id, ...fields } satisfies Answer);
    };
    Promise.resolve()
      .then(() => answer(message.payload))
      .then(
        (value) => reply({ value }),
        (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
      );
  });
}
