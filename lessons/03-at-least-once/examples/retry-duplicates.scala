// At-least-once on the producer side: acks=all, retries on, idempotence off
// (the Scala twin of retry-duplicates.py).
//
// The scenario first drops a Produce request unapplied: the producer gets no answer, retries, and
// the orders arrive once. Later it applies a request and loses the answer: the producer retries
// that too, and now the leader has the batch twice.
import java.time.Duration
import java.util.Properties
import org.apache.kafka.clients.producer.{KafkaProducer, ProducerConfig, ProducerRecord, RecordMetadata}
import org.apache.kafka.common.serialization.StringSerializer

object RetryDuplicates:
  val Topic = "orders"
  val Count = 200

  def main(args: Array[String]): Unit =
    val config = Properties()
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, sys.env("BOOTSTRAP_SERVERS"))
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.ACKS_CONFIG, "all")                 // wait until every in-sync replica has it
    config.put(ProducerConfig.RETRIES_CONFIG, Int.MaxValue.toString) // retry until delivery.timeout.ms runs out
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000")  // the limit for one message, retries included
    // kafka-clients refuses a delivery.timeout.ms below linger.ms + request.timeout.ms (30 s by default).
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000")
    // On by default in kafka-clients (off in confluent-kafka): this lesson is about retries without it.
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false")
    val producer = KafkaProducer[String, String](config)
    for i <- 1 to Count do
      val orderId = s"order-$i"
      println(s"sent $orderId")
      producer.send(ProducerRecord(Topic, orderId), (metadata: RecordMetadata, error: Exception) =>
        if error != null then println(s"failed $orderId ${error.getClass.getSimpleName}")
        else println(s"acked $orderId ${metadata.partition} ${metadata.offset}"))
      Thread.sleep(5)
    producer.close(Duration.ofSeconds(20))
    println(s"done: $Count sent")
