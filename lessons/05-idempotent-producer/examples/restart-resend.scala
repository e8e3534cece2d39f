// Idempotence ends where the producer instance ends (the Scala twin of restart-resend.py).
//
// An application sends orders with an idempotent producer and saves a checkpoint every 50 orders.
// It dies after order 80, before its next checkpoint. The restarted application opens a NEW
// producer and, to be safe, sends everything after the last checkpoint again. The new producer has
// a new producer id, so its sequence numbers start again at zero: the broker has no way to see
// that orders 51-80 are repeats.
import java.util.Properties
import scala.util.Using
import org.apache.kafka.clients.producer.{KafkaProducer, ProducerConfig, ProducerRecord, RecordMetadata}
import org.apache.kafka.common.serialization.StringSerializer

object RestartResend:
  val Bootstrap = sys.env("BOOTSTRAP_SERVERS")
  val Topic = "orders"
  val Count = 100
  val CheckpointEvery = 50
  val CrashAfter = 80

  /** Send orders first..last; return the last checkpoint reached. */
  def sendOrders(first: Int, last: Int, crashAfter: Option[Int] = None): Int =
    val config = Properties()
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Bootstrap)
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")   // the kafka-clients default, spelled out
    // Using closes the producer; that changes nothing here: everything was flushed, and the next
    // producer gets a new producer id whether or not this one said goodbye.
    Using.resource(KafkaProducer[String, String](config)) { producer =>
      var checkpoint = first - 1
      var crashed = false
      var i = first
      while i <= last && !crashed do
        val orderId = s"order-$i"
        println(s"sent $orderId")
        producer.send(ProducerRecord(Topic, orderId), (metadata: RecordMetadata, error: Exception) =>
          if error != null then println(s"failed $orderId ${error.getClass.getSimpleName}")
          else println(s"acked $orderId ${metadata.partition} ${metadata.offset}"))
        if i % CheckpointEvery == 0 then
          producer.flush()
          checkpoint = i
          println(s"checkpoint: orders up to $i are in Kafka")
        if crashAfter.contains(i) then
          producer.flush()
          println(s"crash after order-$i; last checkpoint was order-$checkpoint")
          crashed = true
        i += 1
      producer.flush()
      if crashed then checkpoint else last
    }

  def main(args: Array[String]): Unit =
    val checkpoint = sendOrders(1, Count, crashAfter = Some(CrashAfter))
    println(s"-- restarted: a new producer resends everything after order-$checkpoint")
    sendOrders(checkpoint + 1, Count)
