// The Kafka bootstrap addresses of the local stack (scripts/stack.sh): STACK_KAFKA_BROKERS nodes, node i on
// STACK_KAFKA_PORT + 2*(i-1) (9092, 9094, 9096 by default), as stack/kafka-cluster.sh places them.
export function stackKafkaBrokers(env: Record<string, string | undefined> = process.env): string[] {
  const nodes = Number(env.STACK_KAFKA_BROKERS || 1)
  const port = Number(env.STACK_KAFKA_PORT || 9092)
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error(`STACK_KAFKA_BROKERS must be 1..9, got '${env.STACK_KAFKA_BROKERS}'`)
  return Array.from({ length: nodes }, (_, i) => `127.0.0.1:${port + 2 * i}`)
}
