/**
 * One queue per chat: work for a chat runs after that chat's earlier work, and chats do not wait
 * for each other. A chat's entry is dropped once its queue is empty.
 */
export interface ChatQueues {
  run(chat: number | string, work: () => Promise<void>): Promise<void>;
  /** chats with work queued or running */
  readonly size: number;
}

export function createChatQueues(): ChatQueues {
  const tails = new Map<number | string, Promise<void>>();
  return {
    run(chat, work) {
      const previous = tails.get(chat) ?? Promise.resolve();
      const next = previous.then(work);
      const tail = next.catch(() => undefined);
      tails.set(chat, tail);
      void tail.then(() => {
        if (tails.get(chat) === tail) tails.delete(chat);
      });
      return next;
    },
    get size() {
      return tails.size;
    },
  };
}
