// At-most-once on the producer side: acks=0, no retries (the Scala twin of fire-and-forget.py).
//
// The scenario throws away three Produce requests without writing them. With acks=0 the broker
// never answers anyway, so the producer has nothing to wait for and nothing to retry: every
// callback says "delivered", with offset -1 because the broker never said where it wrote it.
import java.time.Duration
import java.util.Properties
import org.apache.kafka.clients.producer.{KafkaProducer, ProducerConfig, ProducerRecord, RecordMetadata}
import org.apache.kafka.common.serialization.StringSerializer

object FireAndForget:
  val Topic = "clicks"
  val Count = 200

  def main(args: Array[String]): Unit =
    val config = Properties()
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, sys.env("BOOTSTRAP_SERVERS"))
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.ACKS_CONFIG, "0")    // do not wait for any answer from the broker
    config.put(ProducerConfig.RETRIES_CONFIG, "0") // and never send anything twice
    // Idempotence needs acks=all; kafka-clients would drop it silently for acks=0, said here outright.
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false")
    val producer = KafkaProducer[String, String](config)
    for i <- 1 to Count do
      val clickId = s"click-$i"
      println(s"sent $clickId")   // printed first: the callback may run before send() returns
      producer.send(ProducerRecord(Topic, clickId), (metadata: RecordMetadata, error: Exception) =>
        if error != null then println(s"failed $clickId ${error.getClass.getSimpleName}")
        else println(s"acked $clickId ${metadata.partition} ${metadata.offset}"))   // offset -1: unknown
      Thread.sleep(5)
    producer.close(Duration.ofSeconds(15))
    println(s"done: $Count sent, no errors reported")
