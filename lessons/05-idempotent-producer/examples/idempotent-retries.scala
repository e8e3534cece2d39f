// The same lost acknowledgement as in lesson 3, with enable.idempotence=true
// (the Scala twin of idempotent-retries.py).
//
// The producer gets a producer id from the cluster and numbers every batch it sends to a
// partition. When the answer to a batch is lost and the producer sends it again, the leader
// recognises the sequence number, writes nothing, and answers with the offset of the first copy.
import java.time.Duration
import java.util.Properties
import org.apache.kafka.clients.producer.{KafkaProducer, ProducerConfig, ProducerRecord, RecordMetadata}
import org.apache.kafka.common.serialization.StringSerializer

object IdempotentRetries:
  val Topic = "orders"
  val Count = 200

  def main(args: Array[String]): Unit =
    val config = Properties()
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, sys.env("BOOTSTRAP_SERVERS"))
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    // kafka-clients turns this on by default (since 3.0); spelled out, as the lesson is about it.
    // It implies acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5.
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
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
