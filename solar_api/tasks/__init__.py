"""Tasks built on the chat client: summarizing, translating, embedding, and the text
helpers they share (ChatML prompts, token counts, splitting long text)."""
